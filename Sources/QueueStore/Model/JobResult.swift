/// A succeeded job's answer and usage, as the `results` table keeps it.
public struct JobResult: Sendable, Equatable {
    public var model: String
    public var content: String?
    public var finishReason: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var queueTime: Double?
    public var promptTime: Double?
    public var completionTime: Double?
    public var totalTime: Double?
    /// The completion's id, `chatcmpl-...`.
    public var responseID: String?
    /// Groq's `x_groq.id`, `req_...`.
    public var requestID: String?
    /// The provider's whole response body as JSON text.
    public var rawResponse: String
    /// The prompt sent was shortened to fit the model's context window (`--truncate`).
    public var truncated = false
    /// The answer parsed and validated against the request's `response_format`, as JSON text; nil when
    /// the request asked for no structure.
    public var parsed: String?
    /// Prompt tokens the provider read from its prompt cache; nil when it did not say.
    public var cachedTokens: Int?

    public init(
        model: String, content: String?, finishReason: String?, promptTokens: Int, completionTokens: Int,
        totalTokens: Int, queueTime: Double? = nil, promptTime: Double? = nil, completionTime: Double? = nil,
        totalTime: Double? = nil, responseID: String? = nil, requestID: String? = nil, rawResponse: String
    ) {
        self.model = model
        self.content = content
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.queueTime = queueTime
        self.promptTime = promptTime
        self.completionTime = completionTime
        self.totalTime = totalTime
        self.responseID = responseID
        self.requestID = requestID
        self.rawResponse = rawResponse
    }
}
