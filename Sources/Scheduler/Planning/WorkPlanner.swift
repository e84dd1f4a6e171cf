import Foundation

/// Turns queued work and what is known about its models into a `WorkPlan`.
///
/// The time model follows the GroqQueue's meters: a per-minute limit spends what its window has free at
/// once, then a whole limit each time a window's spends have left (a minute later), and what a probed
/// guess holds above its floor at its steady rate; daily limits
/// allow what is left of them today and then a full limit per day, and, when earlier calls tell the
/// latency, `concurrency` calls at a time bound it too. Models have separate limits, so they run side
/// by side and the slowest sets the end.
public enum WorkPlanner {
    public static func plan(
        demands: [ModelDemand], outlooks: [String: ModelOutlook], concurrency: Int, start: Date, deadline: Date?,
        schedule: RunSchedule? = nil
    ) -> WorkPlan {
        // Nothing runs before the first run window opens: that is when the work starts.
        var start = start
        if let schedule, case .closed(let opensAt) = schedule.state(at: start) { start = opensAt }
        var models: [WorkPlan.ModelPlan] = []
        var concurrencySeconds = 0.0
        for demand in demands where demand.requests > 0 {
            let outlook = outlooks[demand.model] ?? ModelOutlook()
            var plan = tokens(demand, outlook)
            // Cached prompt tokens are given back after processing: they do not use the token limits up.
            let (seconds, binding, days) = time(requests: demand.requests, tokens: plan.totalTokens - plan.cachedTokens, outlook.limits)
            plan.seconds = seconds
            plan.binding = binding
            plan.extraDays = days
            if let latency = outlook.latency {
                let busy = Double(demand.requests) * latency / Double(max(1, concurrency))
                concurrencySeconds += busy
                if busy > plan.seconds {
                    plan.seconds = busy
                    plan.binding = "concurrency"
                }
            }
            models.append(plan)
        }
        // Models share the worker's slots: their calls together cannot finish faster than that allows.
        let seconds = max(models.map(\.seconds).max() ?? 0, concurrencySeconds)
        var finish = start.addingTimeInterval(seconds)
        if let schedule {
            // Waiting for daily limits passes in wall time; only the running needs open windows.
            let waitingDays = Double(models.map(\.extraDays).max() ?? 0) * 86_400
            finish = advance(schedule, from: start.addingTimeInterval(waitingDays), by: max(0, seconds - waitingDays))
        }
        let prices = models.map(\.cost)
        return WorkPlan(
            models: models, seconds: seconds, start: start, finish: finish, deadline: deadline,
            fitsDeadline: deadline.map { finish <= $0 },
            cost: prices.contains(where: { $0 == nil }) || prices.isEmpty ? nil : prices.compactMap { $0 }.reduce(0, +))
    }

    /// The most jobs of `demand` that on-demand calls finish within `seconds` under the model's limits
    /// (binary search over the plan's time, which grows with the count).
    public static func onDemandCapacity(_ demand: ModelDemand, outlook: ModelOutlook, concurrency: Int, seconds: Double) -> Int {
        var low = 0
        var high = demand.requests
        let start = Date(timeIntervalSince1970: 0)
        while low < high {
            let middle = (low + high + 1) / 2
            let time = plan(demands: [demand.share(middle)], outlooks: [demand.model: outlook], concurrency: concurrency, start: start, deadline: nil).seconds
            if time <= seconds { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The Batch API's window is this many seconds at least: work due sooner cannot count on it.
    public static let batchWindowSeconds: Double = 24 * 3600

    /// Prompt tokens from the learned ratio (no safety margin: this is a forecast, not a reservation) and
    /// completion tokens from the answers seen so far, or from the output limits when none were seen.
    static func tokens(_ demand: ModelDemand, _ outlook: ModelOutlook) -> WorkPlan.ModelPlan {
        let ratio = outlook.estimator?.ratio ?? TokenEstimator.initialRatio
        let prompt = Int((Double(demand.promptCharacters) * ratio).rounded())
        let unlimited = Double(demand.withoutMaxTokens)
        // Jobs over the model's output limit are refused before any generation: no completion tokens.
        let asked = Double(demand.maxTokens - demand.overOutputLimitMaxTokens)
        var completion: Double
        let upperBound: Bool
        if let completionRatio = outlook.completionRatio {
            completion = asked * completionRatio
            completion += unlimited * (outlook.averageCompletion ?? Double(outlook.maxOutput ?? 1024))
            upperBound = false
        } else {
            completion = asked + unlimited * Double(outlook.maxOutput ?? 1024)
            upperBound = true
        }
        let completionTokens = Int(completion.rounded())
        // From the jobs' structure: on a caching model, every job of a shared prefix but its group's first hits.
        let cached = outlook.promptCaching ? min(prompt, Int((Double(demand.cacheableCharacters) * ratio).rounded())) : 0
        var cost: Double?
        if let input = outlook.inputPrice, let output = outlook.outputPrice {
            cost = ((Double(prompt) - Double(cached) / 2) * input + Double(completionTokens) * output) / 1_000_000
        }
        var plan = WorkPlan.ModelPlan(
            model: demand.model, requests: demand.requests, promptTokens: prompt, completionTokens: completionTokens,
            totalTokens: prompt + completionTokens, completionIsUpperBound: upperBound, seconds: 0, binding: "none",
            extraDays: 0, cost: cost, overOutputLimit: demand.overOutputLimit)
        plan.cachedTokens = cached
        return plan
    }

    /// Seconds to spend `requests` and `tokens` under the limits, the binding one, and whole extra days.
    static func time(requests: Int, tokens: Int, _ limits: [LimitKind: ModelOutlook.Limit]) -> (Double, String, Int) {
        // Daily limits: what today leaves, then a whole limit for each further day; the per-minute limits
        // pace what runs on the last day (earlier days are spent waiting anyway).
        let daily = DailySplit(requests: requests, tokens: tokens, limits: limits)
        let days = daily.extraDays
        var minuteSeconds = 0.0
        var minuteBinding = "none"
        for (kind, amount) in [(LimitKind.rpm, daily.lastRequests), (.tpm, daily.lastTokens)] {
            guard let limit = limits[kind], limit.value > 0 else { continue }
            let burst = Double(max(0, min(limit.burstable, limit.value) - limit.used))
            let beyond = max(0, Double(amount) - burst)
            // Up to the burstable part the window refills whole a minute after it was spent; above it, paced.
            let needed =
                limit.burstable >= limit.value
                ? (beyond / Double(limit.value)).rounded(.up) * 60
                : beyond / Double(limit.value) * 60
            if needed > minuteSeconds {
                minuteSeconds = needed
                minuteBinding = kind.rawValue
            }
        }
        return (Double(days) * 86_400 + minuteSeconds, daily.binding?.rawValue ?? minuteBinding, days)
    }

    /// The instant `seconds` of open window time after `start`.
    static func advance(_ schedule: RunSchedule, from start: Date, by seconds: Double) -> Date {
        var now = start
        var left = seconds
        // Each step crosses one open or closed stretch; a year of nights is far more than any plan needs.
        for _ in 0..<1000 {
            switch schedule.state(at: now) {
            case .open(let until):
                let stretch = until.timeIntervalSince(now)
                if left <= stretch { return now.addingTimeInterval(left) }
                left -= stretch
                now = until
            case .closed(let opensAt):
                now = opensAt
            }
        }
        return now.addingTimeInterval(left)
    }
}
