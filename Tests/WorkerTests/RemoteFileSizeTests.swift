import Foundation
import QueueStore
import TestSupport
import Testing

@testable import Worker

/// Batch API input files are sized in bytes, as the provider weighs them: the packer counted a request's
/// characters, so a file of CJK prompts (three bytes a character) came out near three times its limit.
struct RemoteFileSizeTests {
    static var stores: [String] { PostgresTestServer.enabled ? ["sqlite", "postgres"] : ["sqlite"] }
    static let provider = "https://api.example.test/openai/v1"
    static let maxBytes = 20_000

    @Test(arguments: stores)
    func cjkJobsArePackedIntoFilesWhoseLinesAsSentNeverOutweighTheLimit(_ kind: String) async throws {
        if kind == "sqlite" {
            let directory = TemporaryDirectory("remote-file-size")
            try await Self.packAndMeasure(try SQLiteJobStore(path: directory.path("queue.sqlite")))
        } else {
            try await PostgresTestServer.withStore { store in try await Self.packAndMeasure(store) }
        }
    }

    static func packAndMeasure(_ store: some QueueDatabase) async throws {
        // 10 prompts of 2,000 CJK characters: about 6,000 bytes each, so three fit in 20,000 bytes.
        let prompt = String(repeating: "批处理任务的提示文本", count: 200)
        let model = "a-model-with-a-rather-long-name-to-weigh-the-envelope-too"
        var spec = BatchSpec(name: "cjk", source: "test", models: [model])
        spec.via = .batchAPI
        let staged = try await store.beginImport(spec, now: Date())
        _ = try await store.stage(
            (1...10).map {
                NewJob(
                    line: $0, customID: "c\($0)", requestJSON: #"{"messages":[{"content":"\#(prompt) \#($0)","role":"user"}]}"#,
                    models: [model], promptCharacters: prompt.count, maxTokens: 32)
            }, into: staged, now: Date())
        try await store.commitImport(staged, now: Date())

        _ = try await store.prepareRemoteBatches(
            provider: provider, workerID: "w", maxLines: 100, maxBytes: maxBytes, leaseDuration: 120, now: nil, budget: nil)
        let remotes = try await store.leaseRemoteBatches(provider: provider, workerID: "w", leaseDuration: 120, now: nil)
        var packed = 0
        for remote in remotes {
            // The file as the upload builds it, a schema's strict flag included.
            var lines = RemoteInputLines(store: store, remote: remote, pageSize: 2)
            lines.strictAllowed = true
            let size = try await lines.measure()
            #expect(size.bytes <= maxBytes, "remote batch \(remote.localID): \(size.jobs) lines of \(size.bytes) bytes")
            packed += size.jobs
        }
        #expect(packed == 10)
        #expect(remotes.count >= 4)
    }
}
