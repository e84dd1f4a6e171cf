import Foundation
import PostgresNIO
import PostgresStore
import QueueStore
import TestSupport
import Testing

/// Imports into a PostgreSQL queue: in chunks, out of sight until whole, all or nothing, as in SQLite.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct PostgresImportTests {
    static func job(_ line: Int, _ customID: String? = nil) -> NewJob {
        var job = NewJob(
            line: line, customID: customID ?? "j\(line)", requestJSON: #"{"messages":[{"content":"prompt \#(line)","role":"user"}],"temperature":0}"#,
            models: ["m1", "m2"], promptCharacters: 8, maxTokens: line % 2 == 0 ? nil : 32)
        job.input = line == 1 ? #"{"subject":"first"}"# : nil
        job.reuseKey = line == 2 ? "0123456789abcdef" : nil
        return job
    }

    static func withStore<Result: Sendable>(_ body: @Sendable (PostgresJobStore, PostgresURL) async throws -> Result) async throws -> Result {
        try await PostgresTestServer.withDatabase { url in
            let store = try await PostgresJobStore(url: url, logger: PostgresTestServer.logger)
            do {
                let result = try await body(store, url)
                await store.shutdown()
                return result
            } catch {
                await store.shutdown()
                throw error
            }
        }
    }

    @Test func aNewBatchIsOutOfSightUntilItsImportIsWhole() async throws {
        try await Self.withStore { store, url in
            let before = try await store.changeCounter()
            let staged = try await store.beginImport(BatchSpec(name: "tickets", source: "t.jsonl", models: ["m1"]), now: Date())
            #expect(try await store.stage([Self.job(1), Self.job(2), Self.job(3, "j1")], into: staged) == [.inserted, .inserted, .duplicate(ofLine: 1)])
            #expect(try await store.stage([Self.job(4), Self.job(5, "j2")], into: staged) == [.inserted, .duplicate(ofLine: 2)])
            #expect(try await store.unfinishedCount(batch: nil) == 0, "a staged import is not work yet")
            #expect(try await store.changeCounter() == before)
            try await store.commitImport(staged)
            #expect(try await store.unfinishedCount(batch: nil) == 3)
            #expect(try await store.countsByStatus(batch: "tickets") == [.queued: 3])
            #expect(try await store.changeCounter() == before + 1, "idle workers are told")
            // The rows are as SQLite's: NULLs where the job gave none, the batch's defaults where it gave none.
            try await PostgresTestServer.withClient(url) { client in
                let rows = try await client.query(
                    """
                    SELECT line, max_tokens, input, request_key, priority, models, truncate FROM jobs ORDER BY line
                    """
                ).decode((Int, Int?, String?, String?, Int, String, Int).self).collected()
                #expect(rows.map(\.0) == [1, 2, 4])
                #expect(rows.map(\.1) == [32, nil, nil])
                #expect(rows.map(\.2) == [#"{"subject":"first"}"#, nil, nil])
                #expect(rows.map(\.3) == [nil, "0123456789abcdef", nil])
                #expect(rows.allSatisfy { $0.4 == 0 && $0.5 == #"["m1","m2"]"# && $0.6 == 0 })
                let progress = try await client.query("SELECT batch, total, queued FROM batch_progress").decode((String, Int, Int).self).collected()
                #expect(progress.map(\.0) == ["tickets"] && progress.map(\.1) == [3] && progress.map(\.2) == [3])
            }
        }
    }

    @Test func importingAgainAddsOnlyWhatIsNewAndADiscardLeavesNothing() async throws {
        try await Self.withStore { store, _ in
            let first = try await store.beginImport(BatchSpec(name: "b", source: "a", models: ["m1"]), now: Date())
            _ = try await store.stage((1...3).map { Self.job($0) }, into: first)
            try await store.commitImport(first)
            let again = try await store.beginImport(BatchSpec(name: "b", source: "b", models: ["m1"]), now: Date())
            #expect(try await store.stage((2...5).map { Self.job($0) }, into: again) == [.alreadyPresent, .alreadyPresent, .inserted, .inserted])
            #expect(try await store.countsByStatus(batch: "b") == [.queued: 3], "the new jobs wait out of sight")
            try await store.commitImport(again)
            #expect(try await store.countsByStatus(batch: "b") == [.queued: 5])
            let withdrawn = try await store.beginImport(BatchSpec(name: "b", source: "c", models: ["m1"]), now: Date())
            _ = try await store.stage((6...9).map { Self.job($0) }, into: withdrawn)
            try await store.discardImport(withdrawn)
            #expect(try await store.unfinishedCount(batch: nil) == 5)
            #expect(try await store.countsByStatus(batch: nil) == [.queued: 5], "nothing of the withdrawn import is left")
        }
    }

    @Test func twoImportsOfOneNewBatchAtOnceConflictAndADeadOneIsCleanedUp() async throws {
        try await Self.withStore { store, _ in
            let spec = BatchSpec(name: "race", source: "t", models: ["m1"])
            let staged = try await store.beginImport(spec, now: Date())
            await #expect(throws: ImportConflict.self) { _ = try await store.beginImport(spec, now: Date()) }
            _ = try await store.stage([Self.job(1)], into: staged, now: Date().addingTimeInterval(-3_600))
            // An hour without a heartbeat: the import died; the next one cleans it up and goes ahead.
            let next = try await store.beginImport(spec, now: Date())
            _ = try await store.stage([Self.job(1), Self.job(2)], into: next)
            try await store.commitImport(next)
            #expect(try await store.countsByStatus(batch: "race") == [.queued: 2])
        }
    }
}
