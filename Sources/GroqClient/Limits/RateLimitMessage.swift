/// The facts in a Groq 429 (or 413) message, such as
/// `Rate limit reached for model M in organization org_X service tier on_demand on tokens per day (TPD):
/// Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s. ...`
public struct RateLimitMessage: Sendable, Equatable {
    /// Which limit a message names.
    public enum Kind: String, Sendable, CaseIterable {
        case requestsPerMinute = "RPM"
        case requestsPerDay = "RPD"
        case tokensPerMinute = "TPM"
        case tokensPerDay = "TPD"
    }

    public var kind: Kind
    public var limit: Int
    /// What the organization had used; absent in "Request too large" messages.
    public var used: Int?
    public var requested: Int?
    /// "Please try again in ...", in seconds.
    public var retryAfter: Double?
    /// True for "Request too large": the request can never fit this model's limit as it is.
    public var requestTooLarge: Bool

    public init(kind: Kind, limit: Int, used: Int? = nil, requested: Int? = nil, retryAfter: Double? = nil, requestTooLarge: Bool = false) {
        self.kind = kind
        self.limit = limit
        self.used = used
        self.requested = requested
        self.retryAfter = retryAfter
        self.requestTooLarge = requestTooLarge
    }

    /// Reads a message; nil when it names no limit.
    public init?(_ message: String) {
        guard let match = message.firstMatch(of: #/\((RPM|RPD|TPM|TPD)\)\s*:\s*Limit\s+(\d+)/#),
            let kind = Kind(rawValue: String(match.output.1)), let limit = Int(match.output.2)
        else { return nil }
        self.kind = kind
        self.limit = limit
        used = message.firstMatch(of: #/Used\s+(\d+)/#).flatMap { Int($0.output.1) }
        // Groq sometimes writes the size approximately: "Requested ~4251".
        requested = message.firstMatch(of: #/Requested\s+~?\s*(\d+)/#).flatMap { Int($0.output.1) }
        retryAfter = message.firstMatch(of: #/try again in\s+([0-9.]+(?:h|ms|m|s|µs|μs|us|ns)(?:[0-9.]+(?:h|ms|m|s|µs|μs|us|ns))*)/#)
            .flatMap { GoDuration.seconds($0.output.1) }
        requestTooLarge = message.lowercased().contains("request too large")
    }
}
