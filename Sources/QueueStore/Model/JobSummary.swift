/// One job in a list: what it is and where it stands.
public struct JobSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var batch: String
    public var customID: String
    public var status: String
    public var model: String?
    public var attempts: Int
    public var errorCode: String?
    /// When the job last changed, UTC, as `YYYY-MM-DD HH:MM:SS`.
    public var updated: String

    enum CodingKeys: String, CodingKey {
        case id, batch, status, model, attempts, updated
        case customID = "custom_id"
        case errorCode = "error_code"
    }

    public init(id: Int64, batch: String, customID: String, status: String, model: String?, attempts: Int, errorCode: String?, updated: String) {
        self.id = id
        self.batch = batch
        self.customID = customID
        self.status = status
        self.model = model
        self.attempts = attempts
        self.errorCode = errorCode
        self.updated = updated
    }
}
