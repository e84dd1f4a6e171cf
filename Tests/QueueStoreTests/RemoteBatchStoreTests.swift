import Foundation
import QueueStore
import Scheduler
import Testing

/// Remote batches in the queue: leases that are renewed and fence every change, lines that failed for
/// the provider's sake, leftovers, failed uploads, and the caps their jobs reserve against.
struct RemoteBatchStoreTests {
    let provider = "https://api.example.test/openai/v1"

    /// `count` jobs of a `--via batch-api` batch, each with 8 prompt characters and max_tokens 32.
    func batchAPIJobs(
        _ fixture: StoreFixture, _ count: Int, policy: RemoteExpiryPolicy = .requeue, tokenCap: Int? = nil, deadline: Date? = nil, models: [String] = ["m1"],
        now: Date = Date()
    ) throws {
        var spec = BatchSpec(name: "b", source: "t", models: models, deadline: deadline, maxAttempts: 2, tokenCap: tokenCap)
        spec.via = .batchAPI
        spec.ifRemoteExpires = policy
        _ = try fixture.store.importJobs(into: spec, now: now) { sink in
            for n in 1...count { _ = try sink.add(StoreFixture.job(n, customID: "j\(n)", models: models)) }
        }
    }

    func prepare(_ fixture: StoreFixture, worker: String = "a", at now: Date, budget: BudgetContext? = nil, maxLines: Int = 100) async throws
        -> [RemoteBatchRecord]
    {
        _ = try await fixture.store.prepareRemoteBatches(
            provider: provider, workerID: worker, maxLines: maxLines, maxBytes: 1 << 20, leaseDuration: 120, now: now, budget: budget)
        return try await fixture.store.leaseRemoteBatches(provider: provider, workerID: worker, leaseDuration: 120, now: now)
    }

    func answer(_ id: Int64, tokens: Int = 15) -> RemoteAnswer {
        var result = StoreFixture.result()
        result.totalTokens = tokens
        return RemoteAnswer(jobID: id, success: (StoreFixture.attempt(), result), error: nil)
    }

    func jobIDs(_ fixture: StoreFixture, _ remote: RemoteBatchRecord) throws -> [Int64] {
        try fixture.sqlite3("SELECT id FROM jobs WHERE lease_owner = 'remote:\(remote.localID)' ORDER BY id").split(separator: "\n").compactMap { Int64($0) }
    }

    @Test func aRemoteBatchsLeaseIsRenewedWhileDrivenAndFencesAWorkerThatLostIt() async throws {
        let fixture = try StoreFixture()
        try batchAPIJobs(fixture, 3)
        let start = Date()
        let heldByA = try #require(try await prepare(fixture, at: start).first)
        // A renews in time: B cannot take the remote batch.
        #expect(try await fixture.store.renewRemoteLease(heldByA, workerID: "a", leaseDuration: 120, now: start.addingTimeInterval(100)))
        #expect(try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "b", leaseDuration: 120, now: start.addingTimeInterval(130)).isEmpty)
        // A stalls past its lease: B takes the remote batch, and nothing A does changes it any more.
        let heldByB = try #require(
            try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "b", leaseDuration: 120, now: start.addingTimeInterval(230)).first)
        #expect(heldByB.id == heldByA.id && heldByB.workerID == "b")
        #expect(try await fixture.store.renewRemoteLease(heldByA, workerID: "a", leaseDuration: 120) == false)
        await #expect(throws: RemoteLeaseLost.self) { try await fixture.store.markRemoteTrying(heldByA) }
        await #expect(throws: RemoteLeaseLost.self) { try await fixture.store.markRemoteUploaded(heldByA, fileID: "file_a") }
        await #expect(throws: RemoteLeaseLost.self) {
            try await fixture.store.recordRemoteAnswers(heldByA, try jobIDs(fixture, heldByA).map { answer($0) }, workerID: "a")
        }
        await #expect(throws: RemoteLeaseLost.self) { try await fixture.store.finishRemote(heldByA, reason: "expired", workerID: "a") }
        #expect(try fixture.sqlite3("SELECT state, file_id IS NULL, worker_id FROM remote_batches") == "preparing|1|b")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM results") == "0")
        try await fixture.store.markRemoteUploaded(heldByB, fileID: "file_b")
        #expect(try fixture.sqlite3("SELECT state, file_id FROM remote_batches") == "uploaded|file_b")
    }

    @Test func aLineThatFailedForTheProvidersSakeCountsATryAndGoesBack() async throws {
        let fixture = try StoreFixture()
        try batchAPIJobs(fixture, 3)
        let remote = try #require(try await prepare(fixture, at: Date()).first)
        let ids = try jobIDs(fixture, remote)
        let written = try await fixture.store.recordRemoteAnswers(
            remote,
            [
                answer(ids[0]),
                RemoteAnswer(jobID: ids[1], success: nil, error: ("request_timeout", "timed out", nil, .retry)),
                RemoteAnswer(jobID: ids[2], success: nil, error: ("invalid_request_error", "bad body", 400, .permanent)),
            ], workerID: "a")
        #expect(written == RemoteWrite(answered: 1, failed: 1, requeued: 1, promptTokens: 10, completionTokens: 5))
        #expect(
            try fixture.sqlite3(
                "SELECT custom_id, status, attempts, model_attempts, lease_owner IS NULL, COALESCE(via, '-'), COALESCE(error_code, '-') FROM jobs ORDER BY id")
                    == """
                    j1|succeeded|1|0|1|-|-
                    j2|queued|1|1|1|-|request_timeout
                    j3|failed|1|0|1|-|invalid_request_error
                    """)
        #expect(try fixture.sqlite3("SELECT outcome, error_code FROM attempts WHERE job_id = \(ids[1])") == "retry|request_timeout")
        // The next remote batch takes it; a second hiccup spends its tries (max 2): it fails.
        try await fixture.store.finishRemote(remote, reason: "completed", workerID: "a")
        let next = try #require(try await prepare(fixture, at: Date()).first)
        #expect(try jobIDs(fixture, next) == [ids[1]])
        try await fixture.store.recordRemoteAnswers(next, [RemoteAnswer(jobID: ids[1], success: nil, error: ("http_500", "oops", 500, .retry))], workerID: "a")
        #expect(try fixture.sqlite3("SELECT status, attempts, error_code FROM jobs WHERE id = \(ids[1])") == "failed|2|http_500")
    }

    @Test func aHiccupMovesAJobOnAlongItsChainOnceItsModelHadItsTries() async throws {
        let fixture = try StoreFixture()
        try batchAPIJobs(fixture, 1, models: ["m1", "m2"])
        for round in 0..<2 {
            let remote = try #require(try await prepare(fixture, at: Date()).first)
            let id = try #require(try jobIDs(fixture, remote).first)
            try await fixture.store.recordRemoteAnswers(
                remote, [RemoteAnswer(jobID: id, success: nil, error: ("http_503", "busy", 503, .retry))], workerID: "a")
            try await fixture.store.finishRemote(remote, reason: "completed", workerID: "a")
            #expect(try fixture.sqlite3("SELECT status, model_index, model_attempts FROM jobs") == (round == 0 ? "queued|0|1" : "queued|1|0"))
        }
        #expect(try await prepare(fixture, at: Date()).first?.model == "m2")
    }

    /// (policy, hours to the deadline) → what the leftovers of an expired remote batch became.
    @Test(
        arguments: [
            (RemoteExpiryPolicy.requeue, nil, "queued|-"), (.requeue, 30.0, "queued|-"), (.requeue, 20.0, "queued|on-demand"),
            (.onDemand, nil, "queued|on-demand"), (.fail, nil, "failed|-"),
        ] as [(RemoteExpiryPolicy, Double?, String)])
    func leftoversFollowThePolicyAndTheDeadline(policy: RemoteExpiryPolicy, hours: Double?, expected: String) async throws {
        let fixture = try StoreFixture()
        try batchAPIJobs(fixture, 2, policy: policy, deadline: hours.map { Date().addingTimeInterval($0 * 3600) })
        let remote = try #require(try await prepare(fixture, at: Date()).first)
        #expect(try await fixture.store.finishRemote(remote, reason: "expired", workerID: "a") == 2)
        #expect(try fixture.sqlite3("SELECT DISTINCT status || '|' || COALESCE(via, '-') FROM jobs") == expected)
        #expect(
            try fixture.sqlite3("SELECT SUM(attempts), SUM(reserved_tokens), (SELECT spent_tokens FROM batches) FROM jobs") == "0|0|0",
            "no try, reservations back")
    }

    @Test func aFailedUploadReturnsItsJobsForTheNextRemoteBatch() async throws {
        let fixture = try StoreFixture()
        try batchAPIJobs(fixture, 3)
        let remote = try #require(try await prepare(fixture, at: Date()).first)
        #expect(try await fixture.store.abandonUpload(remote, message: "the upload timed out", workerID: "a") == 3)
        #expect(try fixture.sqlite3("SELECT state, remote_status, left_over FROM remote_batches") == "done|upload_failed|3")
        #expect(try fixture.sqlite3("SELECT status, COUNT(*), SUM(attempts), COUNT(lease_owner) FROM jobs GROUP BY status") == "queued|3|0|0")
        #expect(try jobIDs(fixture, try #require(try await prepare(fixture, at: Date()).last)).count == 3)
    }

    @Test func remoteBatchesTakeNoMoreThanTheBatchsAndTheDaysCapsAllow() async throws {
        let fixture = try StoreFixture()
        // Each job reserves its estimated prompt (8 characters: a few tokens) plus max_tokens 32.
        try batchAPIJobs(fixture, 10, tokenCap: 150)
        let budget = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
        let remote = try #require(try await prepare(fixture, at: Date(), budget: budget).first)
        let held = try jobIDs(fixture, remote)
        #expect(held.count >= 3 && held.count <= 4, "\(held.count) jobs of about 36 tokens under a cap of 150")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs WHERE status = 'queued'") == "\(10 - held.count)")
        // The answers cost less than reserved: the batch's spending settles down, and more jobs fit.
        try await fixture.store.recordRemoteAnswers(remote, held.map { answer($0, tokens: 15) }, workerID: "a")
        #expect(try fixture.sqlite3("SELECT spent_tokens FROM batches") == "\(15 * held.count)")
        try await fixture.store.finishRemote(remote, reason: "completed", workerID: "a")
        let next = try #require(try await prepare(fixture, at: Date(), budget: budget).last)
        let nextHeld = try jobIDs(fixture, next)
        #expect(next.id != remote.id && !nextHeld.isEmpty)

        // The day's cap holds across batches.
        let other = try StoreFixture()
        try batchAPIJobs(other, 10)
        var daily = budget
        daily.dailyTokenCap = 80
        let capped = try #require(try await prepare(other, at: Date(), budget: daily).first)
        #expect(try jobIDs(other, capped).count == 2)
    }

    @Test func aJobInFlightAtMidnightSettlesOnTheDayItWasReservedOn() async throws {
        let fixture = try StoreFixture()
        let midnight = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        try batchAPIJobs(fixture, 1, now: midnight.addingTimeInterval(-60))
        let budget = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
        let remote = try #require(try await prepare(fixture, at: midnight.addingTimeInterval(-10), budget: budget).first)
        let reserved = try fixture.sqlite3("SELECT tokens FROM usage_days")
        #expect(Int(reserved) ?? 0 > 32)
        try await fixture.store.recordRemoteAnswers(
            remote, [answer(try jobIDs(fixture, remote)[0], tokens: 15)], workerID: "a", now: midnight.addingTimeInterval(10))
        let yesterday = ISO8601DateFormatter.string(
            from: midnight.addingTimeInterval(-10), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        #expect(
            try fixture.sqlite3("SELECT day, tokens FROM usage_days WHERE tokens <> 0") == "\(yesterday)|15",
            "the answer's 15 tokens count on the day they were reserved")
    }
}
