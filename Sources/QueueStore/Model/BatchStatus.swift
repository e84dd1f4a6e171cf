import Foundation

/// One batch's progress, as `status` shows it.
public struct BatchStatus: Sendable, Equatable, Codable {
    public var batch: String
    public var total: Int
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    /// Jobs the batch's deadline stopped.
    public var expired: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// When the batch's first job was created, UTC, as `YYYY-MM-DD HH:MM:SS`.
    public var firstActivity: String?
    /// When a job of the batch last changed, UTC.
    public var lastActivity: String?
    /// Why the batch's queued jobs wait: its cap, when reached.
    public var paused: String?
    /// No job starts before this time, UTC, as `YYYY-MM-DD HH:MM:SS`.
    public var notBefore: String?
    /// Jobs not finished by this time, UTC, expire.
    public var deadline: String?

    enum CodingKeys: String, CodingKey {
        case batch, total, queued, running, succeeded, failed, cancelled, expired
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case firstActivity = "first_activity"
        case lastActivity = "last_activity"
        case paused
        case notBefore = "not_before"
        case deadline
    }
}
