import Foundation
import QueueStore
import Scheduler
import Testing

/// A lease lapses while its call is out, another worker claims the job, and then the first call's
/// answers arrive: they must not move the job, nor settle or refund the second claim's reservation.
struct ClaimTokenTests {
    let provider = "https://api.example.test/openai/v1"

    var context: BudgetContext {
        BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
    }

    /// The tokens-per-minute spends of the job: amount and whether still open.
    func spends(_ fixture: QueueFixture, job: Int64) throws -> String {
        try fixture.sql(
            "SELECT s.amount, s.open FROM budget_spends s JOIN budgets b ON b.id = s.budget_id WHERE b.kind = 'tpm' AND s.job_id = \(job) ORDER BY s.id")
    }

    @Test(arguments: StoreKind.allCases) func aLapsedClaimsLate429AndLateSuccessLeaveTheNewClaimsReservationAlone(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(1, models: ["m1"])
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 100_000], now: Date())
            let start = Date()
            let first = try #require(
                try await fixture.store.claim(workerID: "w1", limit: 1, leaseDuration: 60, batch: nil, now: start, budget: context).jobs.first)
            // w1 stalls past its lease; w2 finds the job, takes it back and claims it.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(61), sparing: nil) == 1)
            let second = try #require(
                try await fixture.store.claim(
                    workerID: "w2", limit: 1, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(62), budget: context
                ).jobs.first)
            #expect(first.id == second.id)
            #expect(first.claimToken != nil && first.claimToken != second.claimToken)
            let reserved = try #require(Int(try spends(fixture, job: second.id).split(separator: "\n").last?.split(separator: "|").first ?? ""))

            // w1's late 429: refused, so it would refund; but the reservation open now is w2's.
            let refused = ProviderObservation(
                provider: provider, model: "m1", rateLimit: .init(kind: .rpm, limit: 30, used: 30, retryAfter: 1), promptCharacters: 8, refused: true)
            let late429 = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: first.id, attempt: StoreFixture.attempt(outcome: .retry),
                        transition: .retry(at: start.addingTimeInterval(63), code: "rate_limit_exceeded", message: "late", counted: false),
                        observation: refused, claimToken: first.claimToken)
                ], workerID: "w1", now: start.addingTimeInterval(63))
            #expect(late429 == [.leaseLost])
            let afterLate429 = try spends(fixture, job: first.id)
            #expect(afterLate429.hasSuffix("\(reserved)|1"), "w2's reservation is still whole and open: \(afterLate429)")
            #expect(try fixture.sql("SELECT status, lease_owner FROM jobs") == "running|w2")
            #expect(
                try fixture.sql("SELECT limit_value, source FROM budgets WHERE kind = 'rpm'") == "30|429",
                "the 429's limit is the provider's truth, whoever asked")

            // w1's late success: its answer is kept (nobody else's is stored yet), but it settles nothing of w2's.
            let served = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 9)
            let lateSuccess = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: first.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "from w1")),
                        observation: served, claimToken: first.claimToken)
                ], workerID: "w1", now: start.addingTimeInterval(64))
            #expect(lateSuccess == [.applied])
            #expect(try spends(fixture, job: first.id).hasSuffix("\(reserved)|1"), "w2's reservation is not settled by w1's usage")

            // w2's own answer then settles its own reservation, and stores no second result.
            let own = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 12)
            let ownSuccess = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: second.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "from w2")),
                        observation: own, claimToken: second.claimToken)
                ], workerID: "w2", now: start.addingTimeInterval(65))
            #expect(ownSuccess == [.duplicateResult])
            #expect(try spends(fixture, job: first.id).isEmpty, "w2's reservation is settled")
            let settled = try fixture.sql(
                "SELECT s.amount FROM budget_spends s JOIN budgets b ON b.id = s.budget_id WHERE b.kind = 'tpm' AND s.at >= \(start.addingTimeInterval(65).timeIntervalSince1970)"
            )
            #expect(settled == "12", "w2's spend settles to w2's real usage, in the bucket of its answer: \(settled)")
            #expect(try fixture.sql("SELECT COUNT(*), MIN(content) FROM results") == "1|from w1")
        }
    }

    @Test(arguments: StoreKind.allCases) func aLapsedClaimsLateRetryDoesNotMoveTheJobUnderItsNewClaim(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(1, models: ["m1", "m2"])
            let start = Date()
            let first = try #require(try await fixture.store.claim(workerID: "w1", limit: 1, leaseDuration: 60, batch: nil, now: start).first)
            _ = try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(61), sparing: nil)
            // The same worker id claims again (a restarted worker keeps its name): only the token tells them apart.
            let second = try #require(
                try await fixture.store.claim(workerID: "w1", limit: 1, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(62)).first)
            let late = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: first.id, attempt: StoreFixture.attempt(outcome: .fallback),
                        transition: .moveToModel(1, code: "model_decommissioned", message: "late"),
                        claimToken: first.claimToken)
                ], workerID: "w1", now: start.addingTimeInterval(63))
            #expect(late == [.leaseLost])
            #expect(try fixture.sql("SELECT status, model_index FROM jobs") == "running|0")
            let own = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: second.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()), claimToken: second.claimToken)
                ],
                workerID: "w1", now: start.addingTimeInterval(64))
            #expect(own == [.applied])
            #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "2", "both calls are on record")
        }
    }

    @Test(arguments: StoreKind.allCases) func aWorkerRenewsOnlyTheLeasesItKnowsAndTheOthersComeBack(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(3, models: ["m1"])
            let start = Date()
            let claimed = try await fixture.store.claim(workerID: "w", limit: 3, leaseDuration: 60, batch: nil, now: start)
            #expect(claimed.count == 3)
            // The worker heard of two of its three claims (the third's commit was lost with its connection).
            let known = Set(claimed.prefix(2).map(HeldClaim.init))
            #expect(try await fixture.store.renewLeases(workerID: "w", holding: known, leaseDuration: 60, now: start.addingTimeInterval(40)) == 2)
            // Its own heartbeat then returns the unknown one, and spares the two it works on.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(70), sparing: "w", holding: known) == 1)
            #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status") == "queued|1\nrunning|2")
            // Without a list, all of a worker's leases are its own, as before.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(200), sparing: "w", holding: nil) == 0)
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(200), sparing: nil, holding: nil) == 2)
        }
    }

    @Test(arguments: StoreKind.allCases) func aHeartbeatRenewsTheJobsCurrentClaimNotAStaleOneOfTheSameJob(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(1, models: ["m1"])
            let start = Date()
            let stale = try #require(try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: start).first)
            // The lease lapses while the call is out; the job comes back and the same worker claims it again.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(61), sparing: nil) == 1)
            let current = try #require(
                try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(62)).first)
            #expect(current.id == stale.id && current.claimToken != stale.claimToken)
            // The earlier call still holds its claim: that claim's lease is gone, and it renews nothing.
            let renewed = try await fixture.store.renewLeases(
                workerID: "w", holding: [HeldClaim(stale)], leaseDuration: 60, now: start.addingTimeInterval(100))
            #expect(renewed == 0)
            // So the current claim's lease (to +122) lapses unless the current claim is held.
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(130), sparing: "w", holding: [HeldClaim(stale)]) == 1)
            // Claimed once more: held, it is renewed and spared, a stale claim beside it or not.
            let latest = try #require(
                try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(131)).first)
            let held: Set = [HeldClaim(stale), HeldClaim(latest)]
            #expect(try await fixture.store.renewLeases(workerID: "w", holding: held, leaseDuration: 60, now: start.addingTimeInterval(180)) == 1)
            #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(230), sparing: "w", holding: held) == 0)
            #expect(try fixture.sql("SELECT status, lease_owner, claim_token FROM jobs") == "running|w|\(latest.claimToken ?? 0)")
        }
    }
}
