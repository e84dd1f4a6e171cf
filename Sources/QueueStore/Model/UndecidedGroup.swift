import Foundation
import Scheduler

/// Jobs of one `--via auto` batch and model still waiting for an executor.
public struct UndecidedGroup: Sendable {
    public var batchID: Int64
    public var deadline: Date?
    public var demand: ModelDemand
}
