import Foundation
import QueueStore
import Testing

/// `prune` and the Batch API: a batch whose jobs were all cancelled while its remote batch still runs at
/// the provider is finished, but its remote batch's record is all a worker cancels (or collects) it by.
struct PruneRemoteBatchTests {
    let provider = "https://api.example.test/openai/v1"

    /// A `--via batch-api` batch of `count` jobs, packed into one remote batch that the provider runs.
    func submittedRemoteBatch(_ fixture: QueueFixture, _ count: Int, at now: Date) async throws -> RemoteBatchRecord {
        var spec = BatchSpec(name: "b", source: "t", models: ["m1"])
        spec.via = .batchAPI
        try await fixture.add(spec, at: now, (1...count).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
        _ = try await fixture.store.prepareRemoteBatches(
            provider: provider, workerID: "w", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 120, now: now, budget: nil)
        let remote = try #require(try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "w", leaseDuration: 120, now: now).first)
        try await fixture.store.markRemoteUploaded(remote, fileID: "file_1", now: now)
        try await fixture.store.markRemoteSubmitted(remote, remoteBatchID: "batch_1", status: "in_progress", now: now)
        return try #require(try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "w", leaseDuration: 120, now: now).first)
    }

    @Test(arguments: StoreKind.allCases) func pruneKeepsABatchWhoseRemoteBatchStillRunsAtTheProvider(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let now = Date()
            let remote = try await submittedRemoteBatch(fixture, 3, at: now)
            // `cancel --batch` with no worker running: every job is cancelled, the provider's batch runs on.
            #expect(try await fixture.store.cancel(batch: "b", now: now) == 3)
            let later = now.addingTimeInterval(86_400)

            for dryRun in [true, false] {
                let summary = try await fixture.store.prune(finishedBefore: later, batch: nil, slice: 2, dryRun: dryRun, progress: { _ in })
                #expect(summary.batches.isEmpty && summary.jobs == 0)
                #expect(
                    summary.kept == [
                        PruneSummary.KeptForRemote(batch: "b", localID: remote.localID, remoteBatchID: "batch_1", state: .submitted, provider: provider)
                    ])
            }
            #expect(try fixture.sql("SELECT COUNT(*) FROM jobs") == "3", "the jobs stay with their remote batch")
            #expect(try fixture.sql("SELECT remote_batch_id, state FROM remote_batches") == "batch_1|submitted")

            // A worker cancels it at the provider and closes it: now the batch goes.
            _ = try await fixture.store.finishRemote(remote, reason: "cancelled", workerID: "w", now: now)
            let pruned = try await fixture.store.prune(finishedBefore: later, batch: nil, slice: 2, dryRun: false, progress: { _ in })
            #expect(pruned.batches == ["b"] && pruned.jobs == 3 && pruned.kept.isEmpty)
            #expect(try fixture.sql("SELECT (SELECT COUNT(*) FROM batches) || '/' || (SELECT COUNT(*) FROM remote_batches)") == "0/0")
        }
    }
}
