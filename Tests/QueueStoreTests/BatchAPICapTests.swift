import Foundation
import QueueStore
import Scheduler
import Testing

/// The caps of `--via batch-api` batches at their edges: a cancel gives back what the provider will not
/// bill (and a retry reserves once, not on top), and a batch at its cap is paused as a claim pauses one.
struct BatchAPICapTests {
    let provider = "https://api.example.test/openai/v1"
    let budget = BudgetContext(
        provider: "https://api.example.test/openai/v1", catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))

    /// `count` jobs of the `--via batch-api` batch "b" (8 prompt characters and max_tokens 32 each).
    func batchAPIJobs(_ fixture: QueueFixture, _ count: Int, tokenCap: Int) async throws {
        var spec = BatchSpec(name: "b", source: "t", models: ["m1"], maxAttempts: 2, tokenCap: tokenCap)
        spec.via = .batchAPI
        try await fixture.add(spec, (1...count).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
    }

    func pack(_ fixture: QueueFixture) async throws -> [RemoteBatchRecord] {
        _ = try await fixture.store.prepareRemoteBatches(
            provider: provider, workerID: "w", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 120, now: nil, budget: budget)
        return try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "w", leaseDuration: 120, now: nil)
    }

    /// The batch's spent tokens, the day's and the jobs' open reservations.
    func caps(_ fixture: QueueFixture) throws -> String {
        try fixture.sql(
            "SELECT (SELECT spent_tokens FROM batches), (SELECT COALESCE(SUM(tokens), 0) FROM usage_days), (SELECT SUM(reserved_tokens) FROM jobs)")
    }

    func answer(_ id: Int64, tokens: Int) -> RemoteAnswer {
        var result = StoreFixture.result()
        result.totalTokens = tokens
        return RemoteAnswer(jobID: id, success: (StoreFixture.attempt(), result), error: nil)
    }

    func held(_ fixture: QueueFixture, _ remote: RemoteBatchRecord) throws -> Int {
        Int(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE lease_owner = '\(remote.owner)' AND status = 'running'")) ?? -1
    }

    @Test(arguments: StoreKind.allCases)
    func cancellingBatchAPIJobsGivesBackWhatTheProviderWillNotBillAndARetryReservesOnce(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await batchAPIJobs(fixture, 20, tokenCap: 900)
            let remote = try #require(try await pack(fixture).first)
            #expect(try held(fixture, remote) == 20)
            let all = try #require(Int(try fixture.sql("SELECT spent_tokens FROM batches")))
            let each = all / 20
            #expect(each * 20 == all && each > 32 && 21 * each <= 900)
            #expect(try caps(fixture) == "\(all)|\(all)|\(all)")
            let ids = try fixture.sql("SELECT id FROM jobs ORDER BY id").split(separator: "\n").compactMap { Int64($0) }

            // Its file is not uploaded yet: the cancelled job's line will never be sent.
            #expect(try await fixture.store.cancel(jobID: ids[0], now: Date()))
            #expect(try caps(fixture) == "\(all - each)|\(all - each)|\(all - each)")

            // Once submitted, a job cancelled out of a remote batch that goes on is still run and may be
            // billed: its reservation stays.
            try await fixture.store.markRemoteUploaded(remote, fileID: "file-1", now: Date())
            try await fixture.store.markRemoteSubmitted(remote, remoteBatchID: "batch-1", status: "in_progress", now: Date())
            #expect(try await fixture.store.cancel(jobID: ids[1], now: Date()))
            #expect(try caps(fixture) == "\(all - each)|\(all - each)|\(all - each)")

            // The rest cancelled: the remote batch holds no job, the worker cancels it at the provider,
            // and its lines are given back.
            #expect(try await fixture.store.cancel(batch: "b", now: Date()) == 18)
            #expect(try held(fixture, remote) == 0)
            #expect(try caps(fixture) == "\(each)|\(each)|\(each)")

            // The retry packs every job again, each reserving once: 20 fit where, with the first
            // reservations kept, only a few would.
            #expect(try await fixture.store.requeue([.cancelled], batch: "b", newDeadline: nil, now: Date()) == 20)
            let retried = try await pack(fixture).filter { $0.id != remote.id }
            #expect(try retried.reduce(0) { $0 + (try held(fixture, $1)) } == 20)
            #expect(try caps(fixture) == "\(21 * each)|\(21 * each)|\(20 * each)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aBatchAPIBatchAtItsCapIsPausedWithTheReasonAndResumesWhenAnswersGiveBack(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await batchAPIJobs(fixture, 10, tokenCap: 150)
            let remote = try #require(try await pack(fixture).first)
            let batchID = try #require(Int64(try fixture.sql("SELECT id FROM batches")))
            let packed = try held(fixture, remote)
            #expect(packed >= 3 && packed <= 4)
            let status = try #require(try await fixture.store.batchStatuses(batch: "b").first)
            #expect(status.paused?.hasPrefix("token cap 150 reached") == true, "\(status.paused ?? "not paused")")
            #expect(try await fixture.store.batchAPIPausedBatches(batch: nil) == [batchID])
            #expect(try await fixture.store.batchAPIPausedBatches(batch: "b") == [batchID])
            // The open remote batch is still work for a draining worker; the paused jobs are not.
            #expect(try await fixture.store.hasRemoteWork(provider: provider, excludingBatches: [batchID]))

            // Its answers cost less than reserved: the batch may go on, so it waits no more.
            let jobs = try fixture.sql("SELECT id FROM jobs WHERE lease_owner = '\(remote.owner)'").split(separator: "\n").compactMap { Int64($0) }
            _ = try await fixture.store.recordRemoteAnswers(remote, jobs.map { answer($0, tokens: 15) }, workerID: "w", now: Date())
            _ = try await fixture.store.finishRemote(remote, reason: "completed", workerID: "w", now: Date())
            #expect(try await fixture.store.batchAPIPausedBatches(batch: nil).isEmpty)
            #expect(try await fixture.store.batchStatuses(batch: "b").first?.paused == nil)

            // Packed again up to the cap, and paused again; with no remote batch open, what is left
            // waits for the cap alone: a draining worker is done.
            let next = try await pack(fixture).filter { $0.id != remote.id }
            #expect(next.count == 1)
            #expect(try await fixture.store.batchAPIPausedBatches(batch: nil) == [batchID])
            for remote in next {
                // Answered at what they reserved: nothing given back, the pause holds.
                let answers = try fixture.sql("SELECT id, reserved_tokens FROM jobs WHERE lease_owner = '\(remote.owner)'").split(separator: "\n").map {
                    let columns = $0.split(separator: "|")
                    return answer(Int64(columns[0])!, tokens: Int(columns[1])!)
                }
                _ = try await fixture.store.recordRemoteAnswers(remote, answers, workerID: "w", now: Date())
                _ = try await fixture.store.finishRemote(remote, reason: "completed", workerID: "w", now: Date())
            }
            #expect(try await fixture.store.hasRemoteWork(provider: provider, excludingBatches: [batchID]) == false)
            #expect(try await fixture.store.hasRemoteWork(provider: provider, excludingBatches: []))
        }
    }
}
