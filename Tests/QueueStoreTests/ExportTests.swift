import Foundation
import JobFormats
import QueueStore
import Testing

struct ExportTests {
    @Test func exportRoundTripKeepsInputOrderAndEveryJob() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(5)
        let jobs = try await fixture.store.claim(workerID: "w", limit: 3, leaseDuration: 60, batch: nil, now: Date())
        _ = try await fixture.store.record(
            [
                JobOutcome(jobID: jobs[0].id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result("m2", content: "one"))),
                JobOutcome(
                    jobID: jobs[1].id, attempt: StoreFixture.attempt(outcome: .permanent),
                    transition: .fail(code: "context_length_exceeded", message: "too long")),
                JobOutcome(jobID: jobs[2].id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "three"))),
            ], workerID: "w", now: Date())
        var lines: [String] = []
        try await fixture.store.exportRows(batch: "b") { lines.append(ExportFormat.jsonl.line(for: $0)) }
        let parsed = try lines.map { try JSONValue.decode(Data($0.utf8)) }
        #expect(parsed.map { $0["custom_id"]?.stringValue } == ["j1", "j2", "j3", "j4", "j5"])
        #expect(parsed[0]["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"] == .string("one"))
        #expect(parsed[1]["error"]?["code"] == .string("context_length_exceeded"))
        #expect(parsed[1]["response"] == .null)
        #expect(parsed[3]["error"]?["code"] == .string("not_finished"))
        var csv: [ExportRow] = []
        try await fixture.store.exportRows(batch: nil) { csv.append($0) }
        #expect(csv[0].model == "m2" && csv[0].totalTokens == 15)
        #expect(csv[4].model == "m1")
    }

    /// Pages of the export meet without a gap or a repeat, across batches and a batch imported in two
    /// files (whose line numbers start again at 1).
    @Test func pagesCoverEveryJobOnceInInputOrder() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1_500, batch: "a", prefix: "first-")
        try fixture.addJobs(700, batch: "a", prefix: "second-")
        try fixture.addJobs(1_001, batch: "z", prefix: "z-")
        var all: [String] = []
        try await fixture.store.exportRows(batch: nil) { all.append($0.customID) }
        #expect(all.count == 3_201 && Set(all).count == 3_201)
        // In input order: line by line, the two files of batch a interleaved by line, then batch z.
        #expect(all.prefix(4) == ["first-1", "second-1", "first-2", "second-2"])
        #expect(all.last == "z-1001")
        var onlyZ: [String] = []
        try await fixture.store.exportRows(batch: "z") { onlyZ.append($0.customID) }
        #expect(onlyZ == (1...1_001).map { "z-\($0)" })
        await #expect(throws: NotFoundError.self) { try await fixture.store.exportRows(batch: "missing") { _ in } }
    }

    /// Custom ids are unique within a batch only: an export of every batch names each row's batch, so a
    /// CSV of several batches can tell `a/j1` from `z/j1`.
    @Test(arguments: StoreKind.allCases) func exportRowsNameTheirBatch(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.addJobs(2, batch: "a")
            try await fixture.addJobs(2, batch: "z")
            var rows: [ExportRow] = []
            try await fixture.store.exportRows(batch: nil) { rows.append($0) }
            #expect(rows.map { "\($0.batch ?? "?")/\($0.customID)" } == ["a/j1", "a/j2", "z/j1", "z/j2"])
            let csv = rows.map { ExportFormat.csv.line(for: $0, ExportColumns(batch: true)) }
            #expect(csv.map { $0.prefix(5) } == ["a,j1,", "a,j2,", "z,j1,", "z,j2,"])
            var onlyZ: [ExportRow] = []
            try await fixture.store.exportRows(batch: "z") { onlyZ.append($0) }
            #expect(onlyZ.map(\.batch) == ["z", "z"])
        }
    }

    @Test func theDocumentedViewsAnswerThroughTheSqlite3Tool() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(2)
        let job = try #require(try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: Date()).first)
        _ = try await fixture.store.record(
            [JobOutcome(jobID: job.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "hello")))],
            workerID: "w", now: Date())
        #expect(
            try fixture.sqlite3("SELECT batch, custom_id, status, model, prompt, content FROM job_results ORDER BY line")
                == "b|j1|succeeded|m1|prompt 1|hello\nb|j2|queued|m1|prompt 2|")
        #expect(try fixture.sqlite3("SELECT batch, total, queued, succeeded, prompt_tokens, completion_tokens FROM batch_progress") == "b|2|1|1|10|5")
        #expect(try fixture.sqlite3("SELECT model, requests, succeeded, prompt_tokens FROM usage_by_model_day") == "m1|1|1|0")
    }
}
