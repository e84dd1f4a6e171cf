import Foundation
import Scheduler

/// One meter as `groqbatch limits` shows it.
public struct MeterStatus: Sendable, Equatable, Codable {
    public var provider: String
    public var model: String
    public var kind: LimitKind
    public var limit: Int?
    public var source: LimitSource
    /// Firm (pinned or learned) or a guess, and what the GroqQueue is doing with it.
    public var standing: MeterStanding
    public var firm: Bool { standing.isFirm }
    /// For a guess probed above it, the part known safe (spent at once); nil otherwise.
    public var floor: Int?
    public var used: Int
    public var remaining: Int?
    /// Seconds until the meter is empty again.
    public var resetsIn: Double
    public var blockedUntil: Date?

    enum CodingKeys: String, CodingKey {
        case provider, model, kind, limit, source, standing, floor, used, remaining
        case resetsIn = "resets_in"
        case blockedUntil = "blocked_until"
    }
}
