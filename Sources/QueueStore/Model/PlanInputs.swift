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

    public var demands: [ModelDemand]
    public var history: [String: History]
    public var notBefore: Date?
    public var deadline: Date?
}
