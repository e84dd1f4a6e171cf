/// The per-call events a worker logs on top of its normal lines (`work --log-requests` and friends).
/// Each carries the job id, custom_id, model and attempt number; bodies are cut to `bodyLimit` characters.
public struct LogEvents: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The body sent, before each call.
    public static let requests = LogEvents(rawValue: 1 << 0)
    /// The answer or the error, after each call.
    public static let responses = LogEvents(rawValue: 1 << 1)
    /// How long each call took, with Groq's queue and total times.
    public static let latency = LogEvents(rawValue: 1 << 2)
    /// 429s (which limit, how long to wait) and the remaining budget each response reports.
    public static let rateLimit = LogEvents(rawValue: 1 << 3)

    /// Characters of a body or an answer kept in a log line.
    public static let bodyLimit = 300

    /// `text` cut to `bodyLimit` characters, saying how much was left out.
    static func truncated(_ text: String) -> String {
        guard text.count > bodyLimit else { return text }
        return String(text.prefix(bodyLimit)) + "... (\(text.count - bodyLimit) more characters)"
    }
}
