import Foundation
import GRDB
import QueueStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `groqbatch serve` on a queue of a million jobs: each page's time over HTTP, against the SQL it must
/// run, timed in this process on the same file (the limit no page can beat).
struct DashboardBench {
    let binary: String
    let scratch: String
    let jobs: Int

    func run(_ report: BenchReport) async throws {
        report.emit("== dashboard pages on a queue of \(jobs) jobs ==")
        let path = scratch + "/dashboard.sqlite"
        let store = try BenchQueue.open(path)
        let perBatch = jobs / 4
        for batch in 0..<4 {
            try await BenchQueue.add(perBatch, to: BatchSpec(name: "b\(batch)", source: "bench", models: ["m"]), in: store) { n in
                NewJob(
                    line: n, customID: "b\(batch)-\(n)", requestJSON: #"{"messages":[{"content":"prompt \#(n)","role":"user"}]}"#, models: ["m"],
                    promptCharacters: 10, maxTokens: 32)
            }
        }
        // Most done, a few failed (rare filters are the slow ones for a keyset scan), the rest queued.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE jobs SET status = 'succeeded', finished_at = updated_at WHERE id % 10 != 0")
            try db.execute(sql: "UPDATE jobs SET status = 'failed', error_code = 'http_500', finished_at = updated_at WHERE id % 200 = 0")
            // Every succeeded job has its answer, as after a real run: the overview reads them for pace and cost.
            try db.execute(
                sql: """
                    INSERT INTO results (job_id, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens, raw_response, created_at, cost)
                    SELECT id, 'm', 'answer', 'stop', 10, 5, 15, '{}', updated_at + id % 3600, 0.00001 FROM jobs WHERE status = 'succeeded'
                    """)
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--db", path, "--listen", "127.0.0.1:0"]
        let pipe = Pipe()
        server.standardOutput = pipe
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        var firstLine = Data()
        while !firstLine.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine.append(chunk)
        }
        guard let base = String(decoding: firstLine, as: UTF8.self).split(separator: "\n").first?.split(separator: " ").last.map(String.init) else {
            throw BenchError("serve did not say where it listens")
        }
        let pages: [(name: String, path: String, sql: String)] = [
            (
                "overview", "/",
                "SELECT * FROM batch_progress; "
                    + "SELECT b.name, COUNT(*), SUM(r.cost), MIN(r.created_at), MAX(r.created_at) FROM results r JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id GROUP BY b.name"
            ),
            ("jobs, first page", "/jobs", "SELECT id FROM jobs WHERE id > 0 ORDER BY id LIMIT 50"),
            (
                "jobs, failed in one batch", "/jobs?batch=b3&status=failed",
                "SELECT j.id FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.id > 0 AND b.name = 'b3' AND j.status = 'failed' ORDER BY j.id LIMIT 50"
            ),
            ("jobs, custom_id prefix", "/jobs?q=b2-4242", "SELECT id FROM jobs WHERE id > 0 AND substr(custom_id, 1, 7) = 'b2-4242' ORDER BY id LIMIT 50"),
        ]
        // A page cannot beat its SQL plus one round trip to the server (the stylesheet: no database).
        let floor = try await median(9) { try await fetch(base + "/assets/style.css") }
        for page in pages {
            let served = try await median(5) { try await fetch(base + page.path) }
            let raw = try await median(5) {
                _ = try await queue.read { db in
                    try page.sql.split(separator: ";").reduce(0) { $0 + (try Row.fetchAll(db, sql: String($1)).count) }
                }
            }
            report.add(
                "dashboard \(page.name)", served * 1000, "ms",
                ratio: String(
                    format: "%.2fx its SQL alone (%.1f ms) plus a round trip (%.1f ms); target under 1 s", served / (raw + floor), raw * 1000,
                    floor * 1000))
        }
    }

    func fetch(_ url: String) async throws {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        guard (response as? HTTPURLResponse)?.statusCode == 200, !data.isEmpty else { throw BenchError("\(url) did not answer 200") }
    }

    /// The median wall time of `count` runs of `body`, in seconds.
    func median(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<count { times.append(try await measureAsync { try await body() }.1) }
        return times.sorted()[count / 2]
    }
}
