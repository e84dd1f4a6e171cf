import Foundation
import QueueStore
import Scheduler
import Testing

struct BudgetClaimTests {
    let provider = "https://api.example.test/openai/v1"

    func context(rpm: Int? = nil, tpm: Int? = nil) -> BudgetContext {
        BudgetContext(
            provider: provider,
            catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000, rpm: rpm, tpm: tpm), .init(id: "m2", maxOutput: 1000)], source: .catalog))
    }

    func claim(_ store: any QueueDatabase, _ limit: Int, at now: Date, context: BudgetContext, worker: String = "w") async throws -> ClaimResult {
        try await store.claim(workerID: worker, limit: limit, leaseDuration: 60, batch: nil, now: now, budget: context)
    }

    @Test func twoConnectionsRacingNeverOverspendOneBudget() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(300)
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpm: 25], now: Date())
        let other = try SQLiteJobStore(path: fixture.path)
        let now = Date()
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, store) in [fixture.store, other, fixture.store, other].enumerated() {
                group.addTask {
                    var mine = 0
                    for _ in 0..<20 { mine += try await claim(store, 5, at: now, context: context(), worker: "w\(index)").jobs.count }
                    return mine
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(counts >= 1 && counts <= 25, "at one instant no more than the minute's 25 requests (and a paced share of them): \(counts)")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs WHERE status = 'running'") == "\(counts)")
    }

    @Test func aReopenedFileRemembersWhatWasSpent() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(50)
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpm: 10], now: Date())
        let start = Date()
        var claimed = 0
        var now = start
        while now < start.addingTimeInterval(30) {
            claimed += try await claim(fixture.store, 10, at: now, context: context()).jobs.count
            now = now.addingTimeInterval(1)
        }
        #expect(claimed > 0 && claimed <= 10)
        let restarted = try SQLiteJobStore(path: fixture.path)
        let afterRestart = try await claim(restarted, 10, at: start.addingTimeInterval(31), context: context())
        #expect(claimed + afterRestart.jobs.count <= 10, "a restart within the minute grants no new burst")
        #expect(afterRestart.jobs.isEmpty || claimed < 10)
        #expect(try #require(afterRestart.wakeAt) > start.addingTimeInterval(31))
    }

    @Test(arguments: StoreKind.allCases) func successSettlesTokensAndA429RefundsEverything(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(2)
            // Guessed limits admit one call until the provider's first answer says which apply; a pinned one
            // lets the other through.
            #expect(try await claim(fixture.store, 2, at: Date(), context: context(tpm: 100_000)).jobs.count == 1)
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 100_000], now: Date())
            #expect(try await claim(fixture.store, 2, at: Date(), context: context()).jobs.count == 1)
            let all = try fixture.sql("SELECT id FROM jobs WHERE status = 'running' ORDER BY id").split(separator: "\n").compactMap { Int64($0) }
            #expect(all.count == 2)
            let reserved = try #require(
                Int(try fixture.sql("SELECT amount FROM budget_spends s JOIN budgets b ON b.id = s.budget_id WHERE b.kind = 'tpm' AND s.job_id = \(all[0])")))
            #expect(reserved > 32, "the estimated prompt plus max_tokens 32: \(reserved)")
            let served = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 20)
            let refused = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, refused: true)
            _ = try await fixture.store.record(
                [
                    JobOutcome(jobID: all[0], attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()), observation: served),
                    JobOutcome(
                        jobID: all[1], attempt: StoreFixture.attempt(outcome: .retry),
                        transition: .retry(at: Date(), code: "rate_limit_exceeded", message: "m", counted: false), observation: refused),
                ], workerID: "w", now: Date())
            // Requests per minute have no limit here, so they keep no log; tokens settle to the real use, in
            // the bucket of the answer's second, and the refused call's reservation is gone.
            #expect(
                try fixture.sql(
                    "SELECT b.kind, s.amount, s.open, CAST(s.job_id IS NULL AS INTEGER), CAST(s.at = CAST(s.at AS INTEGER) AS INTEGER) FROM budget_spends s JOIN budgets b ON b.id = s.budget_id"
                )
                    == "tpm|20|0|1|1")
            #expect(try fixture.sql("SELECT model, samples, CAST(tokens > 0 AS INTEGER) FROM token_estimates") == "m1|1|1")
        }
    }

    @Test(arguments: StoreKind.allCases) func headersAnd429BodiesCorrectTheMetersForEveryWorker(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(3)
            let now = Date()
            let jobs = try await claim(fixture.store, 1, at: now, context: context(rpm: 100, tpm: 50_000)).jobs
            let observation = ProviderObservation(
                provider: provider, model: "m1", tokensPerMinute: .init(limit: 6000, remaining: 5000, resetIn: 10),
                requestsPerDay: .init(limit: 1000, remaining: 990, resetIn: 3600),
                rateLimit: .init(kind: .rpm, limit: 30, used: 30, retryAfter: 20), promptCharacters: 8, refused: true)
            _ = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: jobs[0].id, attempt: StoreFixture.attempt(outcome: .retry),
                        transition: .retry(at: now, code: "rate_limit_exceeded", message: "m", counted: false), observation: observation)
                ],
                workerID: "w", now: now)
            #expect(
                try fixture.sql("SELECT kind, limit_value, source FROM budgets WHERE kind != 'tpd' ORDER BY kind")
                    == "rpd|1000|header\nrpm|30|429\ntpm|6000|header")
            try await fixture.withAnother { other in
                let blocked = try await claim(other, 2, at: now.addingTimeInterval(1), context: context(rpm: 100, tpm: 50_000), worker: "other")
                #expect(blocked.jobs.isEmpty, "one 429 blocks every worker, not just the one that got it")
                // The 429's wait, or up to a second later: its correction is kept in a one-second bucket stamped at its end.
                let wake = try #require(blocked.wakeAt).timeIntervalSince(now)
                #expect(wake >= 20 - 0.01 && wake <= 21.01, "\(wake)")
            }
            let meters = try await fixture.store.meterStatuses(now: now.addingTimeInterval(1))
            #expect(meters.first { $0.kind == .tpm }?.used ?? 0 >= 1000, "the provider's count of tokens is taken when it is higher")
        }
    }

    @Test(arguments: StoreKind.allCases) func aScoutWhoseWorkerDiedDoesNotHoldItsPlaceForever(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(3, models: ["m1"])
            let start = Date()
            // Nothing heard from the model yet: one job goes alone, the scout.
            let scout = try await claim(fixture.store, 3, at: start, context: context(rpm: 100, tpm: 50_000))
            #expect(scout.jobs.count == 1)
            #expect(try await claim(fixture.store, 3, at: start, context: context(rpm: 100, tpm: 50_000), worker: "other").jobs.isEmpty)
            // Its worker is killed with the call out: the lease lapses and the job is queued again.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(120), sparing: nil) == 1)
            let again = try await claim(fixture.store, 3, at: start.addingTimeInterval(121), context: context(rpm: 100, tpm: 50_000), worker: "other")
            #expect(again.jobs.count == 1, "a new scout goes (a fleet test once waited forever for the dead one)")
            // The dead call's reservation still counts: the provider may have served it.
            #expect(try fixture.sql("SELECT COUNT(*) FROM budget_spends s JOIN budgets b ON b.id = s.budget_id WHERE b.kind = 'rpm'") == "2")
        }
    }

    @Test(arguments: StoreKind.allCases) func aJobThatCanNeverFitAFirmLimitMovesOnOrFails(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(1, models: ["m1", "m2"])
            try await fixture.addJobs(1, batch: "solo", prefix: "s", models: ["m1"])
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 10], now: Date())
            let result = try await claim(fixture.store, 5, at: Date(), context: context())
            #expect(result.tooLarge == 2)
            #expect(
                try fixture.sql("SELECT custom_id, status, model_index, error_code FROM jobs ORDER BY id")
                    == "j1|queued|1|request_too_large\ns1|failed|0|request_too_large")
        }
    }

    @Test(arguments: StoreKind.allCases) func aGuessNeverFailsAJobItGoesAloneAndTheAnswerTeaches(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(2, models: ["m1"])
            let now = Date()
            let first = try await claim(fixture.store, 5, at: now, context: context(tpm: 10))
            #expect(first.tooLarge == 0 && first.jobs.count == 1, "the catalog's 10 tokens a minute is a guess: the job goes, alone")
            #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'failed'") == "0")
            let answer = ProviderObservation(
                provider: provider, model: "m1", tokensPerMinute: .init(limit: 400, remaining: 380, resetIn: 3),
                promptCharacters: 8, promptTokens: 6, totalTokens: 20)
            _ = try await fixture.store.record(
                [JobOutcome(jobID: first.jobs[0].id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()), observation: answer)],
                workerID: "w", now: now)
            #expect(try fixture.sql("SELECT limit_value, source, CAST(guess IS NULL AS INTEGER) FROM budgets WHERE kind = 'tpm'") == "400|header|1")
            let second = try await claim(fixture.store, 5, at: now.addingTimeInterval(1), context: context(tpm: 10))
            #expect(second.jobs.count == 1, "the stated 400 holds the second job at once")
        }
    }

    @Test(arguments: StoreKind.allCases) func limitsSetAndResetAreVisibleInTheMeters(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.store.setLimits(provider: provider, model: "m9", limits: [.rpm: 7, .tpd: 900], now: Date())
            let meters = try await fixture.store.meterStatuses(now: Date())
            #expect(meters.map { "\($0.kind.rawValue):\($0.limit ?? 0):\($0.source.rawValue)" } == ["rpm:7:config", "tpd:900:config"])
            #expect(try await fixture.store.resetLimits(provider: nil, model: "m9") == 2)
        }
    }
}
