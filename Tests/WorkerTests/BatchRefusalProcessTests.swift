import Foundation
import GroqSimulator
import TestSupport
import Testing

/// The provider's refusals of `--via batch-api` work, injected in the simulator's Batch API, with a real
/// worker: a batch that ends `failed`, a create answered 400, output files that are gone, lines of a
/// retired model. Each job's tries are counted and it ends on its fallback or failed with the provider's
/// reason, as on demand; `work --drain` ends. (Before, each refusal was sent again every pass, forever.)
@Suite(.serialized)
struct BatchRefusalProcessTests {
    /// A case: the simulator's `batches` faults, the import's chain and tries, and what each job ends as.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var faults: String
        var model: String
        var fallback: String?
        /// Each job's ending: its status and model, and its refused tries (outcome, HTTP status, error code).
        var status: String
        var refusals: String

        var testDescription: String { name }
    }

    static let cases = [
        Case(
            name: "a batch that ends failed (model_not_found) sends its jobs to their fallback", faults: #""unserved_models": ["sim/unserved"]"#,
            model: "sim/unserved", fallback: "sim/fast", status: "succeeded|sim/fast", refusals: "fallback||model_not_found"),
        Case(
            name: "a batch that ends failed on the chain's last model fails its jobs with the reason", faults: #""unserved_models": ["sim/unserved"]"#,
            model: "sim/unserved", fallback: nil, status: "failed|sim/unserved", refusals: "fallback||model_not_found"),
        Case(
            name: "a create answered 400 counts a try each time, then the fallback", faults: #""refused_models": ["sim/refused"]"#,
            model: "sim/refused", fallback: "sim/fast", status: "succeeded|sim/fast",
            refusals: "retry|400|invalid_request_error\nretry|400|invalid_request_error"),
        Case(
            name: "output files that are gone count a try each time, then the job fails", faults: #""lose_output_files": true"#, model: "sim/fast",
            fallback: nil, status: "failed|sim/fast", refusals: "retry|404|invalid_request_error\nretry|404|invalid_request_error"),
        Case(
            name: "lines of a retired model go to the fallback as on demand", faults: #""line_fault_rate": 0"#, model: "sim/old", fallback: "sim/fast",
            status: "succeeded|sim/fast", refusals: "fallback|400|model_decommissioned"),
    ]

    func sql(_ db: String, _ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: cases) func aRefusalForGoodCountsTriesAndEndsOnTheFallbackOrFailed(_ refusal: Case) async throws {
        let directory = TemporaryDirectory("batch-refusal")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0,
                 "models": [{"id": "sim/fast", "max_output": 256}, {"id": "sim/old", "max_output": 256, "decommissioned": true},
                            {"id": "sim/unserved", "max_output": 256}, {"id": "sim/refused", "max_output": 256}],
                 "batches": {"lines_per_second": 1000, "validation_seconds": 0.05, "finalizing_seconds": 0.05, \(refusal.faults)}}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let file = directory.write("jobs.jsonl", (1...5).map { #"{"custom_id":"c\#($0)","prompt":"Question \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
        let chain = ["--model", refusal.model] + (refusal.fallback.map { ["--fallback", $0] } ?? [])
        let imported = try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--via", "batch-api", "--max-attempts", "2"] + chain)
        try #require(imported.status == 0, "\(imported.stderr)")
        let catalog = directory.write(
            "catalog.json",
            #"{"models": [{"id": "sim/fast", "max_output": 256}, {"id": "sim/old", "max_output": 256}, {"id": "sim/unserved", "max_output": 256}, {"id": "sim/refused", "max_output": 256}]}"#
        )
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--batch-poll-interval", "0.2",
                "--backoff-base", "0.2", "--log-level", "error",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        let exit = await worker.wait(timeout: 120)
        if exit == nil { worker.signal(SIGKILL) }
        #expect(exit != nil, "work --drain ends: \(worker.output)")
        let remotes = try sql(db, "SELECT remote_status, last_error FROM remote_batches")
        for custom in 1...5 {
            let job = "(SELECT id FROM jobs WHERE custom_id = 'c\(custom)')"
            let ended = try sql(db, "SELECT status, json_extract(models, '$[' || model_index || ']') FROM jobs WHERE id = \(job)")
            #expect(ended == refusal.status, "c\(custom) \(remotes)")
            let refused = try sql(db, "SELECT outcome, http_status, error_code FROM attempts WHERE job_id = \(job) AND outcome <> 'success' ORDER BY id")
            #expect(refused == refusal.refusals, "c\(custom) \(remotes)")
        }
        if refusal.status.hasPrefix("failed") {
            #expect(try sql(db, "SELECT COUNT(*) FROM jobs WHERE error_message IS NULL OR error_message = ''") == "0", "the provider's reason is kept")
        }
        await simulator.stop()
    }
}
