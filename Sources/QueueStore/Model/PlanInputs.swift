import Foundation
import Scheduler

/// What the queue knows for `groqbatch plan`: the unfinished work per model, the history of earlier
/// answers, and the schedule of the batches involved.
public struct PlanInputs: Sendable {
    /// What finished calls taught about one model.
    public struct History: Sendable, Equatable {
        public var completionRatio: Double?
        public var averageCompletion: Double?
        public var latency: Double?
    }

    /// The model name under which `plan` counts jobs whose chain has no usable model left: they fail at
    /// their next claim without a call.
    public static let chainUsedUp = "(no usable model left)"

    /// All unfinished work per model.
    public var demands: [ModelDemand]
    /// The same per executor: `on-demand`, `batch-api` (including jobs remote batches hold), and `auto`
    /// (jobs of `--via auto` batches not yet given one).
    public var executorDemands: [String: [ModelDemand]]
    public var history: [String: History]
    public var notBefore: Date?
    public var deadline: Date?
}
