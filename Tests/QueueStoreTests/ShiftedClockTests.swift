import Foundation
import QueueStore
import Scheduler
import Testing

/// A fleet's hosts need not agree on the time: inside a transaction, "now" is the store's (SQLite: the
/// host's clock, which only its own processes share; PostgreSQL: the server's), so a host whose clock
/// runs ahead neither takes other hosts' live leases back, nor misses their spends in a minute's window,
/// nor deletes their recent buckets, nor expires a batch before its deadline.
struct ShiftedClockTests {
    let provider = "https://api.example.test/openai/v1"
    /// Far enough ahead to cross a lease (60 s), a minute's window and the prune's two minutes' cutoff
    /// even for a bucket settled a few seconds ago: the times the test sets up then stay valid for
    /// most of a minute on the server's clock, however slowly a loaded machine runs it.
    static let ahead: TimeInterval = 150

    var context: BudgetContext {
        BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
    }

    @Test(arguments: StoreKind.allCases) func aTransactionsTimeIsTheStoresSQLitesHostClockPostgreSQLsServerClock(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(1, models: ["m1"])
            try await fixture.withAnother(clock: { Date().addingTimeInterval(Self.ahead) }) { shifted in
                let before = Date()
                let job = try #require(try await shifted.claim(workerID: "s", limit: 1, leaseDuration: 60, batch: nil, now: nil).first)
                let after = Date()
                let skew = kind == .sqlite ? Self.ahead : 0
                let expires = job.leaseExpiresAt.timeIntervalSince1970
                // The test's server runs on this machine: its clock is this one's.
                #expect(expires >= before.addingTimeInterval(60 + skew - 1).timeIntervalSince1970)
                #expect(expires <= after.addingTimeInterval(60 + skew + 1).timeIntervalSince1970)
            }
        }
    }

    @Test func aWakeOnTheStoresClockIsAsFarAheadOnTheHosts() {
        let claimedAt = Date(timeIntervalSince1970: 1_000_000)
        var result = ClaimResult(jobs: [], wakeAt: claimedAt.addingTimeInterval(5), tooLarge: 0)
        result.claimedAt = claimedAt
        let hostNow = claimedAt.addingTimeInterval(Self.ahead)
        #expect(result.wake(onHostClockAt: hostNow) == hostNow.addingTimeInterval(5))
        result.wakeAt = nil
        #expect(result.wake(onHostClockAt: hostNow) == nil)
    }

    @Test func aHostWhoseClockRunsAheadChangesNothingOfOtherHostsLeasesMetersAndDeadlines() async throws {
        try await QueueFixture.with(.postgres) { fixture in
            let start = Date()
            try await fixture.addJobs(3, models: ["m1"], now: start.addingTimeInterval(-60))
            try await fixture.add(
                BatchSpec(name: "due", source: "test", models: ["m1"], deadline: start.addingTimeInterval(120)),
                [StoreFixture.job(1, customID: "d1", models: ["m1"])])
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpm: 2], now: start.addingTimeInterval(-60))
            // A call settled 5 s ago (its time given: tests may travel), and one still out under a live lease.
            let answered = try #require(
                try await fixture.store.claim(
                    workerID: "a", limit: 1, leaseDuration: 60, batch: "b", now: start.addingTimeInterval(-10), budget: context
                ).jobs.first)
            let served = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 9)
            let recorded = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: answered.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()), observation: served,
                        claimToken: answered.claimToken)
                ], workerID: "a", now: start.addingTimeInterval(-5))
            #expect(recorded == [.applied])
            let live = try #require(
                try await fixture.store.claim(workerID: "a", limit: 1, leaseDuration: 60, batch: "b", now: nil, budget: context).jobs.first)
            let buckets = """
                SELECT COUNT(*) FROM budget_spends s JOIN budgets b ON b.id = s.budget_id
                WHERE b.kind = 'rpm' AND s.open = 0 AND s.at <= \(start.timeIntervalSince1970)
                """
            #expect(try fixture.sql(buckets) == "1")

            try await fixture.withAnother(clock: { Date().addingTimeInterval(Self.ahead) }) { shifted in
                try await shifted.registerWorker(id: "s", host: "ahead", pid: 1, now: nil)
                #expect(try await shifted.renewLeases(workerID: "s", holding: [], leaseDuration: 60, now: nil) == 0)
                #expect(try await shifted.recoverExpiredLeases(now: nil, sparing: "s", holding: []) == 0, "the other host's lease is live")
                #expect(try await shifted.expireOverdue(now: nil) == 0, "the deadline is two minutes away")
                try await shifted.pruneSpends(now: nil)
                let claim = try await shifted.claim(workerID: "s", limit: 2, leaseDuration: 60, batch: "b", now: nil, budget: context)
                #expect(claim.jobs.isEmpty, "the minute's two requests are spent: one settled 5 s ago, one out")
                #expect(claim.expired == 0)
                // The wake (when the settled request leaves the window, in about 55 s) is on the server's
                // clock: on this host's, already past. Translated, it is as far ahead on the host's clock.
                let hostNow = Date().addingTimeInterval(Self.ahead)
                let wake = try #require(claim.wake(onHostClockAt: hostNow))
                #expect(try #require(claim.wakeAt) < hostNow)
                #expect(wake > hostNow && wake < hostNow.addingTimeInterval(61), "\(wake.timeIntervalSince(hostNow)) s")
            }
            #expect(try fixture.sql(buckets) == "1", "the settled bucket is inside its window: kept")
            #expect(try fixture.sql("SELECT status, lease_owner, claim_token FROM jobs WHERE id = \(live.id)") == "running|a|\(live.claimToken ?? 0)")
            #expect(try fixture.sql("SELECT status FROM jobs WHERE custom_id = 'd1'") == "queued")
            let heartbeat = try #require(Double(try fixture.sql("SELECT heartbeat_at FROM workers WHERE id = 's'")))
            #expect(heartbeat < Date().timeIntervalSince1970 + 5, "the heartbeat is the server's time")
        }
    }

    /// The server's time comes with the provider's lock (no extra round trip): it must be read once the
    /// lock is held, or a claim that waited for another host's would lease and spend from before its wait.
    @Test func aClaimThatWaitedForTheProvidersLockOnPostgreSQLLeasesFromWhenItGotIt() async throws {
        try await QueueFixture.with(.postgres) { fixture in
            try await fixture.addJobs(1, models: ["m1"])
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 100_000], now: Date())
            let key = "1735552881"  // PostgresMigrationRunner.lockKey, 0x6772_6F71
            let holder = try BackgroundShell(
                "/usr/bin/psql", [fixture.location, "-X", "-A", "-t", "-q"],
                input: """
                    BEGIN;
                    SELECT pg_advisory_xact_lock(\(key), hashtext('\(provider)'));
                    SELECT pg_sleep(2);
                    SELECT 'released|' || extract(epoch from clock_timestamp());
                    COMMIT;

                    """)
            let held = """
                SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = \(key) AND objsubid = 2
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            let deadline = Date().addingTimeInterval(240)
            while try fixture.sql(held) != "1" {
                guard Date() < deadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(20))
            }
            let claimed = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: nil, budget: context)
            holder.waitUntilExit()
            let line = try #require(holder.output.split(separator: "\n").first { $0.hasPrefix("released|") })
            let released = try #require(Double(line.split(separator: "|")[1]))
            let expires = try #require(claimed.jobs.first?.leaseExpiresAt).timeIntervalSince1970
            #expect(expires >= released + 60, "the lease runs its full minute from the lock: \(expires - released)")
        }
    }

    /// An import's heartbeat and the cleanup that judges it are read on one clock, the queue's: a worker
    /// whose host runs ahead by more than the abandonment age would otherwise delete a live import of
    /// another host (on SQLite the host's clock is the queue's, and only its own processes share it).
    @Test func aHostWhoseClockRunsPastTheAbandonmentAgeDeletesNoLiveImportOfAnother() async throws {
        try await QueueFixture.with(.postgres) { fixture in
            let staged = try await fixture.store.beginImport(BatchSpec(name: "live", source: "test", models: ["m1"]), now: nil)
            _ = try await fixture.store.stage([StoreFixture.job(1, customID: "j1", models: ["m1"])], into: staged, now: nil)
            try await fixture.withAnother(clock: { Date().addingTimeInterval(SQLiteJobStore.abandonedImportAge + Self.ahead) }) { shifted in
                let deleted = try await shifted.discardAbandonedImports(now: nil)
                #expect(deleted == 0, "the import beat a moment ago on the server's clock")
            }
            try await fixture.store.beatImport(staged, now: nil)
            try await fixture.store.commitImport(staged, now: nil)
            #expect(try fixture.sql("SELECT b.name, COUNT(j.id) FROM batches b JOIN jobs j ON j.batch_id = b.id GROUP BY b.name") == "live|1")
        }
    }

    /// A worker plans a retry's time on its own clock; claims compare it with the server's. A host 150 s
    /// behind would otherwise write a backoff of 30 s as a minute in the past (the job sent again at once).
    @Test func aRetryPlannedOnAHostBehindTheServerKeepsItsBackoff() async throws {
        try await QueueFixture.with(.postgres) { fixture in
            try await fixture.addJobs(1, models: ["m1"])
            let behind: @Sendable () -> Date = { Date().addingTimeInterval(-Self.ahead) }
            try await fixture.withAnother(clock: behind) { shifted in
                let job = try #require(try await shifted.claim(workerID: "s", limit: 1, leaseDuration: 60, batch: nil, now: nil).first)
                let retry = JobOutcome(
                    jobID: job.id, attempt: nil, transition: .retry(at: behind().addingTimeInterval(30), code: "server_error", message: "503"),
                    claimToken: job.claimToken)
                #expect(try await shifted.record([retry], workerID: "s", now: nil) == [.applied])
            }
            let next = try #require(Double(try fixture.sql("SELECT next_attempt_at FROM jobs")))
            // The test's server runs on this machine: its clock is this one's.
            #expect(next >= Date().addingTimeInterval(20).timeIntervalSince1970, "the backoff ends \(next - Date().timeIntervalSince1970) s from now")
        }
    }
}
