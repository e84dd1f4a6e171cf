import Foundation
import Scheduler

/// The overview's ETAs, kept a minute: a plan reads every unfinished job of its batch, too much for a
/// page that reloads every 10 s on a queue of millions, and an ETA does not move that fast.
actor ForecastCache {
    let lifetime: TimeInterval
    let make: @Sendable (String) async -> WorkPlan?
    private var plans: [String: (plan: WorkPlan?, made: Date)] = [:]

    init(lifetime: TimeInterval = 60, make: @escaping @Sendable (String) async -> WorkPlan?) {
        self.lifetime = lifetime
        self.make = make
    }

    func plan(_ batch: String) async -> WorkPlan? {
        if let kept = plans[batch], Date().timeIntervalSince(kept.made) < lifetime { return kept.plan }
        let plan = await make(batch)
        plans[batch] = (plan, Date())
        return plan
    }
}
