import Foundation
import GRDB
import GRDBSQLite
import QueueStore

/// Import lines/second and peak memory of `groqbatch import` on a generated file of Batch API lines,
/// against a naive Python importer of the same file (the ratio's denominator), and where the time goes:
/// the same rows inserted by a plain SQLite prepared-statement loop in one transaction.
struct ImportBench {
    let binary: String
    let scratch: String
    let lines: Int

    func run(_ report: BenchReport) async throws {
        report.emit("== import (\(lines) Batch API lines) ==")
        let file = scratch + "/prompts.jsonl"
        try generate(file, lines: lines)
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        report.note("generated \(file): \(lines) lines, \(size / 1_000_000) MB, \(size / max(1, lines)) bytes a line")

        let small = scratch + "/small.jsonl"
        try generate(small, lines: lines / 10)
        let smallRun = try ChildProcess.run(binary, ["import", small, "--db", scratch + "/small.sqlite"], stdoutPath: scratch + "/import-small.out")
        let importDB = scratch + "/import.sqlite"
        let run = try ChildProcess.run(binary, ["import", file, "--db", importDB], stdoutPath: scratch + "/import.out")
        guard run.status == 0, smallRun.status == 0 else { throw BenchError("import exited \(run.status)") }
        let importRate = Double(lines) / run.seconds

        let script = scratch + "/naive_import.py"
        try Self.naiveImporter.write(toFile: script, atomically: true, encoding: .utf8)
        let naive = try ChildProcess.run("/usr/bin/env", ["python3", script, file, scratch + "/naive.sqlite"], stdoutPath: scratch + "/naive.out")
        if naive.status == 0 {
            report.add(
                "import", importRate, "lines/s",
                ratio: String(
                    format: "%.2fx the speed of a naive Python importer (json.loads, executemany, one transaction) at %.0f rows/s; target >= 1x",
                    naive.seconds / run.seconds, Double(lines) / naive.seconds))
        } else {
            report.add("import", importRate, "lines/s", ratio: "no python3 here to compare with (exit \(naive.status))")
        }
        let baselineSeconds = try rawInsert(from: importDB, into: scratch + "/raw.sqlite")
        report.note(
            String(
                format:
                    "where the time goes: %.2f s wall, %.2f s of CPU (parsing and validating on every core, beside the writer); writing the same rows alone with raw prepared statements in one transaction takes %.2f s (%.0f rows/s)",
                run.seconds, run.cpuSeconds, baselineSeconds, Double(lines) / baselineSeconds))
        report.add(
            "import peak RSS", run.peakRSSMegabytes, "MB",
            ratio: String(format: "%.1f MB for a tenth of the lines: memory is bounded by the chunks in flight, not by the file", smallRun.peakRSSMegabytes))
    }

    /// What a user would write in ten lines instead of using groqbatch: the limit `import` is held to.
    static let naiveImporter = """
        import json, sqlite3, sys
        db = sqlite3.connect(sys.argv[2])
        db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, custom_id TEXT NOT NULL UNIQUE, model TEXT, request TEXT NOT NULL)")
        rows = []
        with open(sys.argv[1]) as f:
            for line in f:
                o = json.loads(line)
                rows.append((o["custom_id"], o["body"].get("model"), json.dumps(o["body"])))
        with db:
            db.executemany("INSERT INTO jobs (custom_id, model, request) VALUES (?, ?, ?)", rows)

        """

    /// Batch API lines with prompts of varied length (12 to 90 words; about 525 bytes a line), as a
    /// user's export of real prompts would be. Deterministic.
    func generate(_ path: String, lines: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var chunk = ""
        let words = [
            "the", "of", "rate", "limit", "token", "bucket", "queue", "worker", "lease", "claim", "budget", "model", "answer",
            "prompt", "batch", "window", "deadline", "retry",
        ]
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for index in 1...lines {
            let text = (0..<(12 + next(72))).map { _ in words[next(words.count)] }.joined(separator: " ")
            chunk +=
                #"{"custom_id": "req-\#(index)", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "openai/gpt-oss-20b", "messages": [{"role": "system", "content": "You are a careful assistant."}, {"role": "user", "content": "\#(text)"}], "max_tokens": 256}}"#
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
            try Row.fetchAll(
                db,
                sql:
                    "SELECT batch_id, line, custom_id, priority, request, models, prompt_chars, max_tokens, max_attempts, next_attempt_at, created_at, updated_at FROM jobs ORDER BY id"
            )
            .map { row -> (Int64, Int64, String, Int64, String, String, Int64, Int64?, Int64, Double, Double, Double) in
                (row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11])
            }
        }
        _ = try BenchQueue.open(target)
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
