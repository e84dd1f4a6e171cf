/// One job as export writes it: its outcome, or why it has none.
public struct ExportRow: Sendable, Equatable {
    public var jobID: Int64
    public var customID: String
    /// queued, running, succeeded, failed, cancelled or expired.
    public var status: String
    /// The model that answered, or the one the job would use next.
    public var model: String?
    public var content: String?
    public var finishReason: String?
    /// The provider's whole response body, for succeeded jobs.
    public var rawResponse: String?
    /// Groq's request id (`x_groq.id`), for succeeded jobs.
    public var requestID: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var totalTokens: Int?
    public var errorCode: String?
    public var errorMessage: String?
    /// The row a template rendered the job from, as a JSON object (`export --with-input`).
    public var input: String?
    /// The answer parsed and validated against its schema, as JSON text.
    public var parsed: String?
    /// The name of the job's batch.
    public var batch: String?

    public init(
        jobID: Int64, customID: String, status: String, model: String? = nil, content: String? = nil,
        finishReason: String? = nil, rawResponse: String? = nil, requestID: String? = nil,
        promptTokens: Int? = nil, completionTokens: Int? = nil, totalTokens: Int? = nil,
        errorCode: String? = nil, errorMessage: String? = nil, input: String? = nil, parsed: String? = nil,
        batch: String? = nil
    ) {
        self.batch = batch
        self.input = input
        self.parsed = parsed
        self.jobID = jobID
        self.customID = customID
        self.status = status
        self.model = model
        self.content = content
        self.finishReason = finishReason
        self.rawResponse = rawResponse
        self.requestID = requestID
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// The error export reports: the job's own, or the reason a job without a result has none yet.
    public var effectiveError: (code: String, message: String)? {
        switch status {
        case "succeeded": return nil
        case "failed": return (errorCode ?? "failed", errorMessage ?? "the job failed")
        case "cancelled": return ("cancelled", "the job was cancelled" + (errorMessage.map { " after: \($0)" } ?? ""))
        case "expired": return ("expired", "the batch's deadline passed before the job finished" + (errorMessage.map { "; last error: \($0)" } ?? ""))
        default: return ("not_finished", "the job is \(status)" + (errorMessage.map { "; last error: \($0)" } ?? ""))
        }
    }
}
