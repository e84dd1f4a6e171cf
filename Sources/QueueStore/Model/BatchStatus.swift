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
    public var promptTokens: Int
    public var completionTokens: Int
    /// When the batch's first job was created, UTC, as `YYYY-MM-DD HH:MM:SS`.
    public var firstActivity: String?
    /// When a job of the batch last changed, UTC.
    public var lastActivity: String?
    /// Why the batch's queued jobs wait: its cap, when reached.
    public var paused: String?

    enum CodingKeys: String, CodingKey {
        case batch, total, queued, running, succeeded, failed, cancelled
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case firstActivity = "first_activity"
        case lastActivity = "last_activity"
        case paused
    }
}
