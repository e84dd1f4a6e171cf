/// A chat completion as Groq returns it, with the raw body kept for the results table.
public struct ChatCompletion: Sendable, Equatable, Decodable {
    /// One answer; groqbatch asks for one (`n` = 1).
    public struct Choice: Sendable, Equatable, Decodable {
        public struct Message: Sendable, Equatable, Decodable {
            public var role: String?
            public var content: String?
        }
        public var index: Int?
        public var message: Message
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
    }

    /// Groq's own fields; `id` is the request id support asks for.
    public struct XGroq: Sendable, Equatable, Decodable {
        public var id: String?
    }

    public var id: String?
    public var model: String?
    public var created: Int?
    public var choices: [Choice]
    public var usage: Usage
    public var systemFingerprint: String?
    public var serviceTier: String?
    public var xGroq: XGroq?
    /// The response body as received.
    public var rawBody: String = ""

    enum CodingKeys: String, CodingKey {
        case id, model, created, choices, usage
        case systemFingerprint = "system_fingerprint"
        case serviceTier = "service_tier"
        case xGroq = "x_groq"
    }

    /// The first choice's text.
    public var content: String? { choices.first?.message.content }
    public var finishReason: String? { choices.first?.finishReason }
}
