import Foundation
import QueueStore
import Scheduler

/// What the unfinished work of a batch (or all) needs and when it ends under the meters: the plan
/// `plan` prints and the dashboard shows, made one way for both.
enum WorkForecast {
    /// The plan; `inputs` are the queue's unfinished demands (read once by the caller, who may report
    /// on them too).
    static func plan(
        store: any QueueDatabase, inputs: PlanInputs, catalog: ModelCatalog, provider: String, concurrency: Int, schedule: RunSchedule?,
        now: Date
    ) async throws -> WorkPlan {
        let outlooks = try await store.planOutlooks(models: Set(inputs.demands.map(\.model)), history: inputs.history, catalog: catalog, provider: provider)
        let split = PlanCommand.split(inputs, outlooks: outlooks, concurrency: concurrency, now: now)
        var plan = WorkPlanner.plan(
            demands: split.onDemand, outlooks: outlooks, concurrency: concurrency, start: max(now, inputs.notBefore ?? now), deadline: inputs.deadline,
            schedule: schedule)
        if !split.batchAPI.isEmpty {
            let priced = WorkPlanner.plan(demands: split.batchAPI, outlooks: outlooks, concurrency: concurrency, start: now, deadline: nil)
            let window = max(WorkPlanner.batchWindowSeconds, min(7 * 86_400, inputs.deadline.map { $0.timeIntervalSince(now) } ?? 0))
            let share = WorkPlan.BatchShare(
                requests: priced.requests, totalTokens: priced.totalTokens, cost: priced.cost.map { $0 * WorkPlan.batchDiscount },
                finish: now.addingTimeInterval(window))
            plan.batchAPI = share
            if let deadline = plan.deadline { plan.fitsDeadline = (plan.fitsDeadline ?? true) && share.finish <= deadline }
        }
        return plan
    }
}
