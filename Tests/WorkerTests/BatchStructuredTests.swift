import Foundation
import JobFormats
import TestSupport
import Testing

/// Structured answers through the provider's Batch API are held to their schema as on-demand ones are:
/// the valid ones stored parsed, the others sent again (a try counted, the text kept) until they match.
struct BatchStructuredTests {
    static let schema = #"{"type": "object", "required": ["label", "score"], "properties": {"label": {"enum": ["yes", "no"]}, "score": {"type": "integer"}}}"#

    @Test func answersThatBreakTheSchemaGoBackToTheQueueAndTheRestAreStoredParsed() async throws {
        let directory = TemporaryDirectory("batch-structured")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "sim/fast", "max_output": 256}],
                 "faults": {"schema_violation": 0.15, "invalid_json": 0.05},
                 "batches": {"lines_per_second": 1000, "validation_seconds": 0.1, "finalizing_seconds": 0.1}}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let file = directory.write(
            "jobs.jsonl", (1...60).map { #"{"custom_id":"c\#($0)","prompt":"Is \#($0) even? Answer as JSON."}"# }.joined(separator: "\n"))
        let schema = directory.write("label.json", Self.schema)
        let imported = try await CommandRun.groqbatchAwaiting(
            ["import", file, "--db", db, "--model", "sim/fast", "--via", "batch-api", "--schema", schema, "--max-tokens", "64"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worked = try await CommandRun.groqbatchAwaiting(
            [
                "work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--batch-poll-interval", "0.2",
                "--log-level", "error",
            ], environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")
        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|60")
        let validator = try JSONSchema(text: Self.schema)
        let parsed = try sql("SELECT parsed FROM results").split(separator: "\n")
        let valid = try parsed.filter { validator.accepts(try JSONValue.decode(Array($0.utf8))) }
        #expect(parsed.count == 60 && valid.count == 60)
        let mismatches = Int(try sql("SELECT COUNT(*) FROM attempts WHERE error_code = 'schema_mismatch' AND answer IS NOT NULL")) ?? 0
        #expect(mismatches > 0, "about a fifth of the first answers break the schema")
        #expect(try sql("SELECT COUNT(DISTINCT remote_batch_id) > 1 FROM remote_batches") == "1", "the mismatched went out again in another remote batch")
    }
}
