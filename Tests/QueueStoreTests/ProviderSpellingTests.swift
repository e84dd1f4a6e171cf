import Foundation
import QueueStore
import Testing

/// A remote batch recorded under one spelling of the base URL (`localhost`, a trailing slash, `:443`,
/// or a queue's spelling from before keys were normalized) is driven by a worker started with another.
struct ProviderSpellingTests {
    /// `count` jobs of a `--via batch-api` batch, packed into a remote batch by a worker at `provider`.
    func packed(_ fixture: QueueFixture, _ count: Int, provider: String, at now: Date) async throws {
        var spec = BatchSpec(name: "b", source: "t", models: ["m1"])
        spec.via = .batchAPI
        try await fixture.add(spec, at: now, (1...count).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
        #expect(
            try await fixture.store.prepareRemoteBatches(
                provider: provider, workerID: "first", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 60, now: now, budget: nil) == 1)
    }

    @Test(
        arguments: StoreKind.allCases,
        [
            ("http://localhost:8089/openai/v1/", "http://127.0.0.1:8089/openai/v1"),
            ("HTTPS://API.GROQ.COM:443/openai/v1", "https://api.groq.com/openai/v1/"),
        ])
    func aRemoteBatchMadeUnderOneSpellingIsDrivenToItsEndByAWorkerStartedWithAnother(kind: StoreKind, spellings: (String, String)) async throws {
        try await QueueFixture.with(kind) { fixture in
            let start = Date()
            try await packed(fixture, 3, provider: spellings.0, at: start)
            // The first worker is gone; its lease runs out. Another, started with the other spelling, finds the work...
            let later = start.addingTimeInterval(120)
            #expect(try await fixture.store.hasRemoteWork(provider: spellings.1))
            // ...but a gateway in front of the same provider is another provider.
            #expect(
                try await fixture.store.leaseRemoteBatches(provider: "https://gateway.example/openai/v1", workerID: "gw", leaseDuration: 60, now: later).isEmpty
            )
            let remote = try #require(
                try await fixture.store.leaseRemoteBatches(provider: spellings.1, workerID: "second", leaseDuration: 60, now: later).first)
            #expect(remote.workerID == "second")

            try await fixture.store.markRemoteUploaded(remote, fileID: "file_1", now: later)
            try await fixture.store.markRemoteSubmitted(remote, remoteBatchID: "batch_1", status: "in_progress", now: later)
            try await fixture.store.markRemoteCollecting(remote, status: "completed", outputFileID: "file_out", errorFileID: nil, now: later)
            let ids = try fixture.sql("SELECT id FROM jobs ORDER BY id").split(separator: "\n").compactMap { Int64($0) }
            #expect(ids.count == 3)
            _ = try await fixture.store.recordRemoteAnswers(
                remote, ids.map { RemoteAnswer(jobID: $0, success: (StoreFixture.attempt(), StoreFixture.result()), error: nil) }, workerID: "second",
                now: later)
            #expect(try await fixture.store.finishRemote(remote, reason: "completed", workerID: "second", now: later) == 0)

            #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|3")
            #expect(try fixture.sql("SELECT state FROM remote_batches") == "done")
            #expect(try await fixture.store.hasRemoteWork(provider: spellings.1) == false)
        }
    }
}
