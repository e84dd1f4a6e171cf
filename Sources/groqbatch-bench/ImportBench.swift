import Foundation
import GRDB
import GRDBSQLite
import QueueStore

/// Import lines/second and peak memory of `groqbatch import` on a generated file, against the same rows
/// inserted by a plain SQLite prepared-statement loop in one transaction (the ratio's denominator).
struct ImportBench {
    let binary: String
    let scratch: String
    let lines: Int

    func run(_ report: BenchReport) async throws {
        report.emit("== import (\(lines) lines) ==")
        let file = scratch + "/prompts.jsonl"
        try generate(file, lines: lines)
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        report.note("generated \(file): \(size / 1_000_000) MB")

        let small = scratch + "/small.jsonl"
        try generate(small, lines: lines / 10)
        let smallRun = try ChildProcess.run(binary, ["import", small, "--db", scratch + "/small.sqlite", "--model", "openai/gpt-oss-20b"], stdoutPath: scratch + "/import-small.out")
        let importDB = scratch + "/import.sqlite"
        let run = try ChildProcess.run(binary, ["import", file, "--db", importDB, "--model", "openai/gpt-oss-20b", "--max-tokens", "256"], stdoutPath: scratch + "/import.out")
        guard run.status == 0, smallRun.status == 0 else { throw BenchError("import exited \(run.status)") }
        let importRate = Double(lines) / run.seconds

        let baselineSeconds = try rawInsert(from: importDB, into: scratch + "/raw.sqlite")
        let rawRate = Double(lines) / baselineSeconds
        report.add("import", importRate, "lines/s", ratio: String(format: "%.2fx the time of a raw prepared-statement insert of the same rows at %.0f rows/s; target <= 3x", baselineSeconds > 0 ? run.seconds / baselineSeconds : 0, rawRate))
        report.add("import peak RSS", run.peakRSSMegabytes, "MB", ratio: String(format: "%.1f MB for a tenth of the lines: memory is flat in file size", smallRun.peakRSSMegabytes))
    }

    /// Prompts of varied length in the three accepted forms.
    func generate(_ path: String, lines: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var chunk = ""
        let topics = ["rate limits", "SQLite write-ahead logs", "token buckets", "model fallback", "backoff with jitter", "leases"]
        for index in 1...lines {
            let topic = topics[index % topics.count]
            let padding = String(repeating: "Give one concrete example. ", count: index % 4)
            switch index % 3 {
            case 0:
                chunk += #"{"custom_id":"req-\#(index)","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"system","content":"You are concise."},{"role":"user","content":"Explain \#(topic) in two sentences. \#(padding)"}],"temperature":0.3}}"#
            case 1:
                chunk += #"{"custom_id":"req-\#(index)","messages":[{"role":"user","content":"Summarise how \#(topic) work, item \#(index). \#(padding)"}],"max_tokens":128}"#
            default:
                chunk += #"{"custom_id":"req-\#(index)","prompt":"Write a haiku about \#(topic), number \#(index). \#(padding)","system":"Answer in English."}"#
            }
            chunk += "\n"
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data(chunk.utf8))
    }

    /// Reads every imported row, then inserts the same values into a fresh queue (same schema and indexes)
    /// with the SQLite C API: one prepared statement, one transaction. Returns the insert's seconds.
    func rawInsert(from source: String, into target: String) throws -> Double {
        let rows = try DatabaseQueue(path: source).read { db in
            try Row.fetchAll(db, sql: "SELECT batch_id, line, custom_id, priority, request, models, prompt_chars, max_tokens, max_attempts, next_attempt_at, created_at, updated_at FROM jobs ORDER BY id")
                .map { row -> (Int64, Int64, String, Int64, String, String, Int64, Int64?, Int64, Double, Double, Double) in
                    (row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11])
                }
        }
        _ = try SQLiteJobStore(path: target)
        var db: OpaquePointer?
        guard sqlite3_open(target, &db) == SQLITE_OK else { throw BenchError("cannot open \(target)") }
        defer { sqlite3_close(db) }
        sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nil, nil, nil)
        sqlite3_exec(db, "INSERT INTO batches (id, name, source, created_at, updated_at) VALUES (1, 'raw', 'raw', 0, 0)", nil, nil, nil)
        let sql = """
            INSERT INTO jobs (batch_id, line, custom_id, priority, request, models, prompt_chars, max_tokens,
                              max_attempts, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw BenchError("prepare failed") }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let (_, seconds) = try measure { () throws -> Void in
            sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil)
            for row in rows {
                sqlite3_bind_int64(statement, 1, 1)
                sqlite3_bind_int64(statement, 2, row.1)
                sqlite3_bind_text(statement, 3, row.2, -1, transient)
                sqlite3_bind_int64(statement, 4, row.3)
                sqlite3_bind_text(statement, 5, row.4, -1, transient)
                sqlite3_bind_text(statement, 6, row.5, -1, transient)
                sqlite3_bind_int64(statement, 7, row.6)
                if let maxTokens = row.7 { sqlite3_bind_int64(statement, 8, maxTokens) } else { sqlite3_bind_null(statement, 8) }
                sqlite3_bind_int64(statement, 9, row.8)
                sqlite3_bind_double(statement, 10, row.9)
                sqlite3_bind_double(statement, 11, row.10)
                sqlite3_bind_double(statement, 12, row.11)
                guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchError("insert failed") }
                sqlite3_reset(statement)
            }
            sqlite3_exec(db, "COMMIT", nil, nil, nil)
        }
        return seconds
    }
}
