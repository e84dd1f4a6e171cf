import Foundation
import TestSupport
import Testing

/// Admission sees every runnable job: a batch paused by its cap never hides the batches behind it.
struct HeadOfLineProcessTests {
    @Test func aCappedBatchImportedFirstDoesNotHoldBackTheNextOneAndDrainEnds() async throws {
        let directory = TemporaryDirectory("head-of-line")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "queue_delay": 0.01, "models": [{"id": "sim/open", "context_window": 8192,
                 "max_output": 256, "rpm": 0, "rpd": 0, "tpm": 0, "tpd": 0, "tokens_per_second": 100000}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("queue.sqlite")
        func lines(_ prefix: String, _ count: Int) -> String {
            (1...count).map { #"{"custom_id":"\#(prefix)\#($0)","prompt":"Row \#($0) of \#(prefix)","max_tokens":16}"# }.joined(separator: "\n")
        }
        // A's cap holds about ten of its 200 jobs; B's 50 come after all of them in the queue.
        let first = try await CommandRun.groqbatchAwaiting(
            ["import", "-", "--db", db, "--batch", "a", "--model", "sim/open", "--token-cap", "400"], input: lines("a", 200))
        let second = try await CommandRun.groqbatchAwaiting(["import", "-", "--db", db, "--batch", "b", "--model", "sim/open"], input: lines("b", 50))
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        let worker = try BackgroundProcess(
            groqbatch: ["work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--concurrency", "8", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("worker.log"))
        let status = await worker.wait(timeout: 120)
        await simulator.stop()
        #expect(status == 0, "drain ends once only the capped batch is left: \(worker.output)")
        let counts = try SQLiteShell.run([
            db,
            """
            SELECT b.name, j.status, COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id GROUP BY 1, 2 ORDER BY 1, 2
            """,
        ]
        ).stdout
        #expect(counts.contains("b|succeeded|50"), "\(counts)")
        #expect(counts.contains("a|queued|"), "the capped batch waits, queued: \(counts)")
        #expect(!counts.contains("failed"), "\(counts)")
    }
}
