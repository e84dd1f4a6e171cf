/// A worker process as the `workers` table knows it.
public struct WorkerStatus: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var started: String
    /// Seconds since its last heartbeat.
    public var heartbeatAge: Double
    public var stopped: Bool

    enum CodingKeys: String, CodingKey {
        case id, host, pid, started, stopped
        case heartbeatAge = "heartbeat_age"
    }
}
