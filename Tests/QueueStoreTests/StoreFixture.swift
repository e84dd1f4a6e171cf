import Foundation
import QueueStore
import TestSupport

/// A queue in a fresh file, with helpers to fill it.
struct StoreFixture {
    let directory = TemporaryDirectory("queue")
    let store: SQLiteJobStore
    let path: String

    init() throws {
        path = directory.path("queue.sqlite")
        store = try SQLiteJobStore(path: path)
    }

    /// Imports `count` prompt jobs into `batch`, custom ids `<prefix><n>`.
    @discardableResult
    func addJobs(
        _ count: Int, batch: String = "b", prefix: String = "j", models: [String] = ["m1", "m2"], priority: Int? = nil,
        now: Date = Date()
    ) throws -> ImportSummary {
        try store.importJobs(into: BatchSpec(name: batch, source: "test", models: models), now: now) { sink in
            for n in 1...count {
                _ = try sink.add(Self.job(n, customID: "\(prefix)\(n)", models: models, priority: priority))
            }
        }
    }

    static func job(_ line: Int, customID: String, models: [String] = ["m1", "m2"], priority: Int? = nil) -> NewJob {
        NewJob(
            line: line, customID: customID, requestJSON: #"{"messages":[{"content":"prompt \#(line)","role":"user"}]}"#,
            models: models, promptCharacters: 8, maxTokens: 32, priority: priority)
    }

    static func result(_ model: String = "m1", content: String = "answer") -> JobResult {
        JobResult(
            model: model, content: content, finishReason: "stop", promptTokens: 10, completionTokens: 5,
            totalTokens: 15, queueTime: 0.01, totalTime: 0.2, responseID: "chatcmpl-x", requestID: "req_x",
            rawResponse: #"{"id":"chatcmpl-x","choices":[{"index":0,"message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}]}"#)
    }

    static func attempt(_ model: String = "m1", outcome: AttemptRecord.Outcome = .success, at now: Date = Date()) -> AttemptRecord {
        AttemptRecord(model: model, startedAt: now, finishedAt: now, httpStatus: outcome == .success ? 200 : 503, outcome: outcome)
    }

    /// Runs a SQL query through the real sqlite3 command-line tool (an independent reader of the file).
    func sqlite3(_ query: String) throws -> String {
        try SQLiteShell.run([path, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
