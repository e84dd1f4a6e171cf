import Foundation
import QueueStore
import Scheduler
import TestSupport
import Testing

/// Answer reuse where the Batch API meets on-demand calls: jobs held behind an identical request that
/// a remote batch carries take its answer (or its final failure) when the remote batch's file is read,
/// and idle workers hear of it.
struct RemoteSharingTests {
    let provider = "https://api.example.test/openai/v1"

    /// A `--via auto` batch whose two pairs of identical requests are split: the first of each pair
    /// (`c1` "same", `c2` "bad") goes to the Batch API, its copy (`c3`, `c4`, ahead in priority) on demand.
    func splitPairs(_ fixture: QueueFixture) async throws {
        var spec = BatchSpec(name: "b", source: "test", models: ["m1"])
        spec.via = .auto
        spec.reuse = .batch
        var copies = [SharingTests.job(3, SharingTests.ask("same")), SharingTests.job(4, SharingTests.ask("bad"))]
        for index in copies.indices { copies[index].priority = 1 }
        try await fixture.add(spec, [SharingTests.job(1, SharingTests.ask("same")), SharingTests.job(2, SharingTests.ask("bad"))] + copies)
        let group = try #require(try await fixture.store.undecidedAutoGroups().first)
        try await fixture.store.decideAuto(batchID: group.batchID, model: "m1", onDemand: 2, now: Date())
    }

    @Test(arguments: StoreKind.allCases) func identicalRequestsHeldBehindARemoteBatchTakeItsAnswersAndWakeIdleWorkers(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await splitPairs(fixture)
            _ = try await fixture.store.prepareRemoteBatches(
                provider: provider, workerID: "a", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 120, now: Date(), budget: nil)
            let remote = try #require(try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "a", leaseDuration: 120, now: Date()).first)
            #expect(try fixture.sql("SELECT custom_id FROM jobs WHERE lease_owner LIKE 'remote:%' ORDER BY line") == "c1\nc2")
            let budget = SharingTests().context(cacheAware: false)
            let claimed = try await fixture.store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: nil, budget: budget)
            #expect(claimed.jobs.isEmpty, "the on-demand copies wait for the remote batch's answers")
            let idleAt = try await fixture.store.changeCounter()

            let ids = try fixture.sql("SELECT id FROM jobs WHERE custom_id IN ('c1', 'c2') ORDER BY line").split(separator: "\n").compactMap { Int64($0) }
            try #require(ids.count == 2)
            var result = StoreFixture.result(content: "the remote answer")
            result.totalTokens = 15
            _ = try await fixture.store.recordRemoteAnswers(
                remote,
                [
                    RemoteAnswer(jobID: ids[0], success: (StoreFixture.attempt(), result), error: nil),
                    RemoteAnswer(jobID: ids[1], success: nil, error: ("invalid_request_error", "bad body", 400, .permanent)),
                ], workerID: "a", now: Date())

            #expect(
                try fixture.sql("SELECT custom_id, status, COALESCE(content, '-'), COALESCE(reused_from, 0) FROM job_results ORDER BY line")
                    == "c1|succeeded|the remote answer|0\nc2|failed|-|0\nc3|succeeded|the remote answer|\(ids[0])\nc4|failed|-|0")
            #expect(
                try fixture.sql("SELECT error_message FROM jobs WHERE custom_id = 'c4'") == "the identical request of job \(ids[1]) failed: bad body")
            #expect(try await fixture.store.changeCounter() > idleAt, "idle workers are woken")
            #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "2", "the copies were never sent")
        }
    }

    @Test(arguments: StoreKind.allCases) func cancellingAJobWakesIdleWorkersForTheIdenticalRequestsHeldBehindIt(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let sharing = SharingTests()
            try await sharing.add(fixture, [SharingTests.job(1, SharingTests.ask("same")), SharingTests.job(2, SharingTests.ask("same"))])
            let leader = try #require(try await sharing.claim(fixture).first)
            #expect(try await sharing.claim(fixture).isEmpty, "c2 waits for c1")
            let idleAt = try await fixture.store.changeCounter()
            #expect(try await fixture.store.cancel(jobID: leader.id, now: Date()))
            #expect(try await fixture.store.changeCounter() > idleAt, "idle workers are woken")
            #expect(try await sharing.claim(fixture).map(\.customID) == ["c2"])
        }
    }
}
