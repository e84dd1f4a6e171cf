import Foundation
import GroqSimulator
import TestSupport
import Testing

/// `sqlite3` holds the queue's write lock for 65 seconds (past the 60-second busy timeout) in the
/// middle of `groqbatch work --drain`: the worker waits it out, loses nothing, sends nothing twice, and
/// its summary counts what was written.
struct DatabaseLockProcessTests {
    @Test func aWriteLockHeldPastTheBusyTimeoutIsWaitedOut() async throws {
        let directory = TemporaryDirectory("lock")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.2, "models": [{"id": "sim/fast", "max_output": 256}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let count = 400  // about half a minute of work: the lock lands mid-run even when sqlite3 starts slowly
        let jobs = directory.write(
            "jobs.jsonl", (1...count).map { #"{"custom_id":"j\#($0)","prompt":"Prompt number \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
        #expect(try await CommandRun.groqbatchAwaiting(["import", jobs, "--db", db, "--model", "sim/fast"]).status == 0)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worker = try BackgroundProcess(
            groqbatch: ["work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "4"],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        // Wait until the run is under way, then take the write lock and hold it.
        let started = Date()
        while Date().timeIntervalSince(started) < 60 {
            let done = try SQLiteShell.run([db, ".timeout 5000", "SELECT COUNT(*) FROM results"]).stdout
            if (Int(done.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 10 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let held = try await CommandRun.runAwaiting(
            "/usr/bin/sqlite3", [db],
            input:
                ".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked', COUNT(*) FROM results;\n.shell sleep 65\nSELECT 'unlocking', COUNT(*) FROM results;\nCOMMIT;\n"
        )
        #expect(held.status == 0, "\(held.stderr)")
        let lines = held.stdout.split(separator: "\n")
        let atLock = Int(lines.first { $0.hasPrefix("locked|") }?.split(separator: "|").last ?? "") ?? -1
        #expect(atLock >= 10 && atLock < count, "the lock was taken mid-run: \(held.stdout)")
        #expect(lines.contains { $0 == "unlocking|\(atLock)" }, "nothing was written while the lock was held: \(held.stdout)")

        let status = await worker.wait(timeout: 180)
        await simulator.stop()
        #expect(status == 0, "the worker lives and drain ends: \(worker.output)")
        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|\(count)")
        #expect(try sql("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "\(count)|\(count)")
        // The simulator's own log: one answered call per job, none sent twice.
        let answered = try String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
            .filter { $0.endpoint == nil && $0.status == 200 }  // chat calls name no endpoint
        #expect(answered.count == count, "calls answered: \(answered.count)")
        #expect(worker.output.contains("worker ") && worker.output.contains(": \(count) succeeded, 0 failed"), "\(worker.output)")
        #expect(worker.output.contains("the database is busy or unavailable"), "said once when it started")
        #expect(worker.output.contains("the database answers again after"), "and once when it ended")
    }
}
