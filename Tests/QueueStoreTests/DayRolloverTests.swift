import Foundation
import QueueStore
import Scheduler
import Testing

/// Daily limits across the day's end, and a daily 429 that stops a model for every worker.
struct DayRolloverTests {
    let provider = "https://api.example.test/openai/v1"

    func context() -> BudgetContext {
        BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
    }

    func answered(_ jobs: [ClaimedJob], store: SQLiteJobStore, at now: Date) async throws {
        let served = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 20)
        _ = try await store.record(
            jobs.map {
                JobOutcome(
                    jobID: $0.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()), observation: served, claimToken: $0.claimToken)
            }, workerID: "w", now: now)
    }

    @Test func aDaysRequestsComeBackADayAfterTheyWereSpent() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(6, models: ["m1"])
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpd: 3])
        let start = Date()
        let today = try await fixture.store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: start, budget: context())
        #expect(today.jobs.count == 3)
        try await answered(today.jobs, store: fixture.store, at: start.addingTimeInterval(1))
        let late = try await fixture.store.claim(
            workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(86_000), budget: context())
        #expect(late.jobs.isEmpty)
        // The day's requests were settled in the bucket of their five minutes, stamped at its end.
        let wake = try #require(late.wakeAt).timeIntervalSince(start)
        #expect(wake >= 86_401 && wake <= 86_702, "\(wake)")
        let tomorrow = try await fixture.store.claim(
            workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(wake), budget: context())
        #expect(tomorrow.jobs.count == 3)
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs WHERE status = 'failed'") == "0")
    }

    @Test func aDaily429StopsTheModelForEveryWorkerAndItsJobsWait() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(5, models: ["m1"])
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpm: 100])
        let now = Date()
        let claimed = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: now, budget: context())
        let refused = ProviderObservation(
            provider: provider, model: "m1", rateLimit: .init(kind: .tpd, limit: 100_000, used: 99_990, retryAfter: 578), promptCharacters: 8,
            refused: true)
        _ = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: claimed.jobs[0].id, attempt: StoreFixture.attempt(outcome: .retry),
                    transition: .retry(at: now, code: "rate_limit_exceeded", message: "TPD", counted: false), observation: refused,
                    claimToken: claimed.jobs[0].claimToken)
            ], workerID: "w", now: now)
        let other = try SQLiteJobStore(path: fixture.path)
        let blocked = try await other.claim(workerID: "other", limit: 5, leaseDuration: 60, batch: nil, now: now.addingTimeInterval(1), budget: context())
        #expect(blocked.jobs.isEmpty && blocked.tooLarge == 0)
        let wake = try #require(blocked.wakeAt).timeIntervalSince(now)
        // Until the stated time, or up to five minutes later: the 429's count of the day is kept in a
        // five-minute bucket stamped at its end.
        #expect(wake >= 578 && wake <= 880, "until the stated time: \(wake)")
        #expect(try fixture.sqlite3("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|5", "no job fails; they wait")
        #expect(try fixture.sqlite3("SELECT limit_value, source FROM budgets WHERE kind = 'tpd'") == "100000|429")
    }

    @Test func aModelBlockedForTheDayHidesNoOtherJobsAtAnyPriority() async throws {
        let fixture = try StoreFixture()
        // 1,500 jobs of a model whose day is spent, at priorities 5 and 0; behind them, other models'.
        try fixture.addJobs(700, batch: "blocked-high", prefix: "h", models: ["m1"], priority: 5)
        try fixture.addJobs(800, batch: "blocked", prefix: "b", models: ["m1"])
        try fixture.addJobs(2, batch: "open", prefix: "o", models: ["m2"])
        try fixture.addJobs(2, batch: "open-low", prefix: "l", models: ["m2"], priority: -3)
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpd: 1])
        // m2 states no limits in this catalog, so its jobs need no first answer to go together.
        let context = BudgetContext(
            provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100), .init(id: "m2", maxOutput: 100)], source: .catalog))
        let now = Date()
        let first = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: now, budget: context)
        #expect(first.jobs.map(\.customID) == ["h1"])
        let rest = try await fixture.store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: now, budget: context)
        #expect(Set(rest.jobs.map(\.customID)) == ["o1", "o2", "l1", "l2"], "every page of the queue is seen, at every priority")
    }
}
