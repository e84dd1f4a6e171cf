import Foundation
import Scheduler
import Testing

struct WorkPlannerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func demand(_ requests: Int, chars: Int = 400, maxTokens: Int = 100) -> ModelDemand {
        ModelDemand(model: "m", requests: requests, promptCharacters: requests * chars, maxTokens: requests * maxTokens, withoutMaxTokens: 0)
    }

    @Test func aPerMinuteLimitSpendsItsWindowAtOnceThenAWindowAMinute() {
        let outlook = ModelOutlook(limits: [.rpm: .init(value: 60, confirmed: true)], estimator: nil, completionRatio: 0.5)
        let plan = WorkPlanner.plan(demands: [demand(126)], outlooks: ["m": outlook], concurrency: 16, start: start, deadline: nil)
        #expect(plan.models[0].binding == "rpm")
        #expect(plan.seconds == 120, "60 at once, 60 a minute later, the last 6 a minute after that")
        #expect(plan.models[0].promptTokens == 126 * 100, "a quarter token per character before anything is learned")
        #expect(plan.models[0].completionTokens == 126 * 50)
        let small = WorkPlanner.plan(
            demands: [demand(25)], outlooks: ["m": ModelOutlook(limits: [.rpm: .init(value: 30, confirmed: false)])], concurrency: 16, start: start,
            deadline: nil)
        #expect(small.seconds == 0, "a 25-job batch on a 30-RPM model takes no waiting at all")
        // A guess probed above its floor spends the floor at once and paces the rest.
        let probed = ModelOutlook(limits: [.rpm: .init(value: 60, confirmed: false, burstable: 30)])
        #expect(WorkPlanner.plan(demands: [demand(126)], outlooks: ["m": probed], concurrency: 16, start: start, deadline: nil).seconds == 96)
    }

    @Test func dailyLimitsStretchTheWorkOverNightsAndMissTheDeadline() {
        let outlook = ModelOutlook(limits: [
            .rpm: .init(value: 30, confirmed: true),
            .rpd: .init(value: 1000, confirmed: true, used: 400),
        ])
        let plan = WorkPlanner.plan(
            demands: [demand(2500)], outlooks: ["m": outlook], concurrency: 16, start: start,
            deadline: start.addingTimeInterval(12 * 3600))
        // 600 left today, then 1000 tomorrow, then 900 the day after: two extra days.
        #expect(plan.models[0].binding == "rpd")
        #expect(plan.models[0].extraDays == 2)
        let expected: Double = 2 * 86_400 + 29 * 60
        #expect(plan.seconds == expected)
        #expect(plan.fitsDeadline == false)
    }

    @Test func tokensPerMinuteBindWhenAnswersAreLong() {
        let outlook = ModelOutlook(limits: [.rpm: .init(value: 1000, confirmed: true), .tpm: .init(value: 6000, confirmed: false)], completionRatio: 1)
        let plan = WorkPlanner.plan(demands: [demand(60)], outlooks: ["m": outlook], concurrency: 16, start: start, deadline: nil)
        #expect(plan.models[0].binding == "tpm")
        let expected: Double = 60  // 12,000 tokens: 6,000 at once, 6,000 a minute later
        #expect(plan.seconds == expected)
    }

    @Test func withoutHistoryCompletionsAreAnUpperBoundAndTheCatalogPricesThem() {
        let outlook = ModelOutlook(maxOutput: 500, inputPrice: 1, outputPrice: 2)
        let demand = ModelDemand(model: "m", requests: 10, promptCharacters: 4000, maxTokens: 800, withoutMaxTokens: 2)
        let plan = WorkPlanner.plan(demands: [demand], outlooks: ["m": outlook], concurrency: 16, start: start, deadline: nil)
        #expect(plan.models[0].completionIsUpperBound)
        #expect(plan.models[0].completionTokens == 800 + 2 * 500)
        let expected: Double = (1000.0 * 1 + 1800 * 2) / 1_000_000
        #expect(plan.cost == expected)
    }

    @Test func latencyAndConcurrencyBoundAnUnlimitedModel() {
        let outlook = ModelOutlook(latency: 2)
        let plan = WorkPlanner.plan(demands: [demand(160)], outlooks: ["m": outlook], concurrency: 16, start: start, deadline: nil)
        #expect(plan.models[0].binding == "concurrency")
        #expect(plan.seconds == 20)
    }

    @Test func runWindowsCountOnlyOpenTime() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let afternoon = calendar.date(from: DateComponents(year: 2026, month: 11, day: 25, hour: 15))!
        let schedule = RunSchedule(windows: [try RunWindow(parsing: "22:00-06:00")], timeZone: calendar.timeZone)
        // Ten hours of work at 60 requests a minute: eight tonight, two the next night.
        let outlook = ModelOutlook(limits: [.rpm: .init(value: 60, confirmed: false)])
        let plan = WorkPlanner.plan(
            demands: [demand(36_060)], outlooks: ["m": outlook], concurrency: 16, start: afternoon, deadline: nil, schedule: schedule)
        #expect(plan.finish == calendar.date(from: DateComponents(year: 2026, month: 11, day: 27, hour: 0)))
    }

    /// Seconds of the last day (what the per-minute limits pace) and the whole extra days, of `jobs` jobs of
    /// 200 tokens each (100 of prompt, 100 of output) under `limits`.
    func lastDay(_ jobs: Int, _ limits: [LimitKind: ModelOutlook.Limit]) -> (seconds: Double, days: Int, binding: String) {
        let plan = WorkPlanner.plan(
            demands: [demand(jobs)], outlooks: ["m": ModelOutlook(limits: limits)], concurrency: 16, start: start, deadline: nil)
        let model = plan.models[0]
        return (model.seconds - Double(model.extraDays) * 86_400, model.extraDays, model.binding)
    }

    @Test func tokensPerDayBindingPaceOnlyTheLastDaysShare() {
        // 20,000 tokens a day is 100 jobs; 10 requests a minute pace the 50 jobs of the last day in 4 minutes.
        let limits: [LimitKind: ModelOutlook.Limit] = [.tpd: .init(value: 20_000, confirmed: true), .rpm: .init(value: 10, confirmed: true)]
        for (jobs, days) in [(50, 0), (150, 1), (350, 3)] {
            let plan = lastDay(jobs, limits)
            #expect(plan.days == days)
            #expect(plan.seconds == 240, "\(jobs) jobs: the last day runs 50 of them, not all")
            #expect(plan.binding == (days > 0 ? "tpd" : "rpm"))
        }
    }

    @Test func requestsPerDayBindingPaceOnlyTheLastDaysTokens() {
        // 100 requests a day; 2,000 tokens a minute pace the last day's 50 jobs (10,000 tokens) in 4 minutes.
        let limits: [LimitKind: ModelOutlook.Limit] = [.rpd: .init(value: 100, confirmed: true), .tpm: .init(value: 2000, confirmed: true)]
        for (jobs, days) in [(50, 0), (150, 1), (350, 3)] {
            let plan = lastDay(jobs, limits)
            #expect(plan.days == days)
            #expect(plan.seconds == 240, "\(jobs) jobs: the last day runs 50 of them, not all")
            #expect(plan.binding == (days > 0 ? "rpd" : "tpm"))
        }
    }

    @Test func bothDailyLimitsBindingPaceOnlyTheLastDaysShare() {
        // Requests per day end today's budget (50 jobs left of 150), tokens per day the full days' (100 jobs):
        // the last day runs 50 jobs whatever the number of days before it.
        let limits: [LimitKind: ModelOutlook.Limit] = [
            .rpd: .init(value: 150, confirmed: true, used: 100), .tpd: .init(value: 20_000, confirmed: true),
            .rpm: .init(value: 10, confirmed: true),
        ]
        for (jobs, days) in [(50, 0), (100, 1), (200, 2), (400, 4)] {
            let plan = lastDay(jobs, limits)
            #expect(plan.days == days)
            #expect(plan.seconds == 240, "\(jobs) jobs: the last day runs 50 of them, not all")
            #expect(plan.binding == (days > 0 ? "tpd" : "rpm"))
        }
        // A requests-per-day limit that never binds leaves the tokens' last day alone.
        let loose = limits.merging([.rpd: .init(value: 1000, confirmed: true)]) { $1 }
        #expect(lastDay(350, loose).seconds == 240)
        #expect(lastDay(350, loose).days == 3)
    }

    @Test func onDemandCapacityUnderTokensPerDayCountsTheFullDays() {
        // Two days and ten minutes: 100 jobs today, 100 tomorrow, and the last day's 100 in 9 minutes.
        let outlook = ModelOutlook(limits: [.tpd: .init(value: 20_000, confirmed: true), .rpm: .init(value: 10, confirmed: true)])
        let capacity = WorkPlanner.onDemandCapacity(demand(1000), outlook: outlook, concurrency: 16, seconds: 2 * 86_400 + 600)
        #expect(capacity == 300)
    }
}
