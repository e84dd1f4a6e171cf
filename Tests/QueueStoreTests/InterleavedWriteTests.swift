import Foundation
import PostgresStore
import Scheduler
import TestSupport
import Testing

@testable import QueueStore

/// Writes that read a job and then write it, where another transaction commits in between. SQLite
/// serializes writes, but PostgreSQL's READ COMMITTED lets a `cancel`, an expiry or a `retry` commit
/// between a transaction's read and its write: the write must see that, not undo it or leave a job
/// half written.
///
/// A trigger stands in for the other transaction where the window lies inside one of the store's
/// transactions: it changes the job as the step's first write to the job's other rows begins, and
/// under READ COMMITTED the step's later statements see a change committed by another transaction
/// exactly as they see the trigger's.
struct InterleavedWriteTests {
    /// Copies `source`'s answer to `follower` as a claim's reuse does; expects it not to, and returns the
    /// follower's status and result count as `status|count`.
    static func reuseFails(follower: Int64, source: Int64, _ fixture: QueueFixture) async throws -> String {
        let store = try #require(fixture.store as? any SQLQueueStore)
        let now = Date().timeIntervalSince1970
        let answered: Bool = try await store.engine.write { db in
            try QueueSteps.answerByReuse(jobID: follower, source: source, db: db, now: now)
        }
        #expect(!answered)
        return try fixture.sql(
            "SELECT status, COUNT(r.job_id) FROM jobs j LEFT JOIN results r ON r.job_id = j.id WHERE j.id = \(follower) GROUP BY j.status")
    }

    let provider = "https://api.example.test/openai/v1"

    /// Cancels job `jobID`, if it is still `status`, as a row for it is about to be inserted into `table`.
    func cancelOnInsert(into table: String, jobID: Int64, while status: JobStatus, _ fixture: QueueFixture) throws {
        let update = "UPDATE jobs SET status = 'cancelled', lease_owner = NULL WHERE id = \(jobID) AND status = '\(status.rawValue)'"
        let created =
            switch fixture.kind {
            case .sqlite:
                try fixture.sql("CREATE TRIGGER cancel_\(jobID) BEFORE INSERT ON \(table) WHEN NEW.job_id = \(jobID) BEGIN \(update); END;")
            case .postgres:
                try fixture.sql(
                    """
                    CREATE FUNCTION cancel_\(jobID)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \(update); RETURN NEW; END $$;
                    CREATE TRIGGER cancel_\(jobID) BEFORE INSERT ON \(table) FOR EACH ROW WHEN (NEW.job_id = \(jobID)) EXECUTE FUNCTION cancel_\(jobID)();
                    """)
            }
        try #require(!created.contains("ERROR") && !created.lowercased().contains("error:"), "\(created)")
    }

    func id(_ customID: String, batch: String = "b", _ fixture: QueueFixture) throws -> Int64 {
        try #require(
            Int64(try fixture.sql("SELECT j.id FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.custom_id = '\(customID)' AND b.name = '\(batch)'")))
    }

    /// Jobs whose status does not match their result row: a result for a job that did not succeed.
    func resultsOfUnsucceededJobs(_ fixture: QueueFixture) throws -> String {
        try fixture.sql("SELECT COUNT(*) FROM results r JOIN jobs j ON j.id = r.job_id WHERE j.status <> 'succeeded'")
    }

    @Test(arguments: StoreKind.allCases) func anAnswerByReuseLeavesAJobCancelledSinceItWasReadAlone(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let sharing = SharingTests()
            try await sharing.add(fixture, [SharingTests.job(1, SharingTests.ask("same")), SharingTests.job(2, SharingTests.ask("same"))])
            try await sharing.succeed(fixture, try #require(try await sharing.claim(fixture).first), content: "the answer")
            try await sharing.add(fixture, batch: "later", reuse: .all, [SharingTests.job(1, SharingTests.ask("same"))])
            let follower = try id("c1", batch: "later", fixture)
            // The follower was read queued (by `waitingFollowers`, or a claim's reuse lookup); a cancel committed since.
            _ = try await fixture.store.cancel(jobID: follower, now: Date())
            let source = try id("c1", fixture)
            #expect(try await Self.reuseFails(follower: follower, source: source, fixture) == "cancelled|0")
        }
    }

    /// The reused answer's source may lose its result between the lookup and the copy (a prune of its
    /// batch committed between, under READ COMMITTED): the follower is then not answered, and stays queued.
    @Test(arguments: StoreKind.allCases) func aReusedAnswerWhoseSourceWasPrunedSinceItWasFoundLeavesTheJobQueued(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let sharing = SharingTests()
            try await sharing.add(fixture, [SharingTests.job(1, SharingTests.ask("same"))])
            try await sharing.succeed(fixture, try #require(try await sharing.claim(fixture).first), content: "the answer")
            try await sharing.add(fixture, batch: "later", reuse: .all, [SharingTests.job(1, SharingTests.ask("same"))])
            let follower = try id("c1", batch: "later", fixture)
            let source = try id("c1", fixture)
            _ = try fixture.sql("DELETE FROM results WHERE job_id = \(source)")
            #expect(try await Self.reuseFails(follower: follower, source: source, fixture) == "queued|0")
        }
    }

    @Test(arguments: StoreKind.allCases) func aCancelAfterTheGuardedUpdateOfAReusedAnswerFindsTheJobAnswered(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let sharing = SharingTests()
            try await sharing.add(fixture, [SharingTests.job(1, SharingTests.ask("same")), SharingTests.job(2, SharingTests.ask("same"))])
            let leader = try #require(try await sharing.claim(fixture).first)
            try cancelOnInsert(into: "results", jobID: try id("c2", fixture), while: .queued, fixture)
            try await sharing.succeed(fixture, leader, content: "the answer")
            #expect(try resultsOfUnsucceededJobs(fixture) == "0")
            #expect(try fixture.sql("SELECT status, content, reused_from FROM job_results WHERE custom_id = 'c2'") == "succeeded|the answer|1")
        }
    }

    @Test(arguments: StoreKind.allCases) func aRemoteJobCancelledAsItsAnswerIsWrittenIsNotHalfWritten(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            var spec = BatchSpec(name: "b", source: "test", models: ["m1"])
            spec.via = .batchAPI
            try await fixture.add(spec, (1...2).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
            _ = try await fixture.store.prepareRemoteBatches(
                provider: provider, workerID: "a", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 120, now: Date(), budget: nil)
            let remote = try #require(try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "a", leaseDuration: 120, now: Date()).first)
            let (first, second) = (try id("j1", fixture), try id("j2", fixture))
            for job in [first, second] { try cancelOnInsert(into: "attempts", jobID: job, while: .running, fixture) }
            let written = try await fixture.store.recordRemoteAnswers(
                remote,
                [
                    RemoteAnswer(jobID: first, success: (StoreFixture.attempt(), StoreFixture.result()), error: nil),
                    RemoteAnswer(jobID: second, success: nil, error: ("http_500", "oops", 500, .retry)),
                ], workerID: "a", now: Date())
            #expect(try resultsOfUnsucceededJobs(fixture) == "0")
            // The answers moved their jobs first, so the cancels came too late: each job is written whole.
            #expect(
                try fixture.sql(
                    "SELECT j.status, (SELECT COUNT(*) FROM attempts a WHERE a.job_id = j.id), (SELECT COUNT(*) FROM results r WHERE r.job_id = j.id) FROM jobs j ORDER BY j.line"
                ) == "succeeded|1|1\nqueued|1|0")
            #expect(written.answered == 1 && written.requeued == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func aJobThatAlreadyHasAResultRowTakesItsNewAnswerWithoutStoppingClaims(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let sharing = SharingTests()
            try await sharing.add(
                fixture,
                [SharingTests.job(1, SharingTests.ask("same")), SharingTests.job(2, SharingTests.ask("same")), SharingTests.job(3, SharingTests.ask("alone"))])
            let claimed = try await sharing.claim(fixture)
            #expect(claimed.map(\.customID) == ["c1", "c3"])
            // An earlier version left result rows on jobs cancelled as a reused answer was written, which
            // `retry --cancelled` put back in the queue: c3 was claimed again, c2 will be.
            for customID in ["c2", "c3"] {
                _ = try fixture.sql(
                    "INSERT INTO results (job_id, model, content, prompt_tokens, completion_tokens, total_tokens, raw_response, created_at) VALUES (\(try id(customID, fixture)), 'm1', 'stale', 1, 1, 2, '{}', 0)"
                )
            }
            _ = try await fixture.store.cancel(jobID: try id("c2", fixture), now: Date())
            try await sharing.succeed(fixture, claimed[1], content: "new")
            try await sharing.succeed(fixture, claimed[0], content: "the answer")
            #expect(try await fixture.store.requeue([.cancelled], batch: nil, newDeadline: nil, now: Date()) == 1)
            #expect(try await sharing.claim(fixture).isEmpty, "c2 takes c1's answer in the claim, which does not fail")
            #expect(
                try fixture.sql("SELECT custom_id, status, content, COALESCE(reused_from, 0) FROM job_results ORDER BY line")
                    == "c1|succeeded|the answer|0\nc2|succeeded|the answer|1\nc3|succeeded|new|0")
        }
    }

    @Test(arguments: StoreKind.allCases) func pruningStatementsSpareJobsBackInTheQueueAndTheirBatch(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(3)
            _ = try await fixture.store.cancel(batch: "b", now: Date())
            // A `retry` committed after prune's check that the batch is finished, before its deletes.
            _ = try fixture.sql("UPDATE jobs SET status = 'queued' WHERE custom_id = 'j2'")
            let store = try #require(fixture.store as? any SQLQueueStore)
            let batchID = try #require(Int64(try fixture.sql("SELECT id FROM batches WHERE name = 'b'")))
            let deleted = try await store.engine.write { db in
                let jobs = try db.execute(JobsSQL.deleteSlice, [batchID, 100])
                let batches = try db.execute(BatchesSQL.deleteEmpty, [batchID])
                return (jobs, batches)
            }
            #expect(deleted.0 == 2 && deleted.1 == 0)
            #expect(try fixture.sql("SELECT custom_id, status FROM jobs") == "j2|queued")
        }
    }

    /// The interleaving itself, on PostgreSQL: a `retry` has requeued a job of a finished batch but not
    /// committed when prune checks the batch; prune's delete waits for the job's row, and the retry
    /// commits.
    @Test(.enabled(if: PostgresTestServer.enabled)) func aPruneThatWaitedForARetryKeepsTheRetriedJobAndItsBatch() async throws {
        try await QueueFixture.with(.postgres) { fixture in
            try await fixture.addJobs(3)
            _ = try await fixture.store.cancel(batch: "b", now: Date())
            let release = DispatchSemaphore(value: 0)
            try await fixture.withAnother { other in
                let otherStore = try #require(other as? any SQLQueueStore)
                let retry = Task {
                    try await otherStore.engine.write { db in
                        try db.execute("UPDATE jobs SET status = 'queued' WHERE custom_id = 'j2'")
                        release.wait()
                    }
                }
                do {
                    try await until(
                        fixture,
                        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE 'UPDATE jobs%'"
                    )
                    let pruning = Task {
                        try await fixture.store.prune(finishedBefore: Date().addingTimeInterval(3_600), batch: nil, slice: 2_000, dryRun: false) { _ in }
                    }
                    try await until(
                        fixture,
                        // A row lock's wait is on a transaction id, which names no database: the waiter's session does.
                        "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()")
                    release.signal()
                    try await retry.value
                    let summary = try await pruning.value
                    #expect(summary.jobs == 2 && summary.batches.isEmpty)
                } catch {
                    release.signal()
                    throw error
                }
            }
            #expect(try fixture.sql("SELECT custom_id, status FROM jobs") == "j2|queued")
            #expect(try fixture.sql("SELECT COUNT(*) FROM batches") == "1")
        }
    }

    /// Waits until `query` counts a row: what another connection is doing, seen from the server.
    func until(_ fixture: QueueFixture, _ query: String) async throws {
        for _ in 0..<2_400 {
            if let count = Int(try fixture.sql(query)), count > 0 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("never seen: \(query)")
        throw CancellationError()
    }
}
