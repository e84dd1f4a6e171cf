/// One job whole: its request, its answer, and every call made for it.
public struct JobDetail: Sendable, Equatable, Codable {
    public var summary: JobSummary
    /// The chat body as imported (JSON text).
    public var request: String
    public var errorMessage: String?
    public var content: String?
    public var parsed: String?
    public var input: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var attempts: [Attempt]

    /// One call, as the timeline shows it.
    public struct Attempt: Sendable, Equatable, Codable {
        public var number: Int
        public var model: String
        public var started: String
        public var seconds: Double
        public var httpStatus: Int?
        public var outcome: String
        public var errorCode: String?
        public var errorMessage: String?

        enum CodingKeys: String, CodingKey {
            case number, model, started, seconds, outcome
            case httpStatus = "http_status"
            case errorCode = "error_code"
            case errorMessage = "error_message"
        }
    }

    enum CodingKeys: String, CodingKey {
        case summary, request, content, parsed, input, attempts
        case errorMessage = "error_message"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}
