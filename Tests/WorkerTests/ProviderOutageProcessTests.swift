import Foundation
import TestSupport
import Testing

/// The provider goes away in the middle of a night's run: the worker pauses, probes, fails no job, and
/// finishes once it is back; or, past --give-up-after, stops with a clear error and exit 4.
struct ProviderOutageProcessTests {
    static let simulatorConfiguration = """
        {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.1, "models": [{"id": "sim/fast", "max_output": 256}]}
        """

    /// `groqbatch sim` on `port` (0 picks one); returns the process and its port once it listens.
    static func simulator(port: Int, in directory: TemporaryDirectory, name: String) async throws -> (BackgroundProcess, Int) {
        let config = directory.write("simulator.json", simulatorConfiguration)
        for _ in 0..<50 {
            let process = try BackgroundProcess(
                groqbatch: ["sim", "--port", "\(port)", "--config", config, "--request-log", directory.path("\(name).jsonl")],
                logPath: directory.path("\(name).out"))
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, process.process.isRunning {
                if let match = process.output.firstMatch(of: #/listening on http://127\.0\.0\.1:(\d+)/#), let bound = Int(match.output.1) {
                    return (process, bound)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // The port may still be held for a moment after the last server on it went away.
            _ = await process.wait(timeout: 5)
            try await Task.sleep(for: .milliseconds(200))
        }
        throw CancellationError()
    }

    func importJobs(_ count: Int, db: String, directory: TemporaryDirectory) async throws {
        let jobs = directory.write(
            "jobs.jsonl", (1...count).map { #"{"custom_id":"j\#($0)","prompt":"Prompt number \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
        #expect(try await CommandRun.groqbatchAwaiting(["import", jobs, "--db", db, "--model", "sim/fast"]).status == 0)
    }

    func sql(_ db: String, _ query: String) throws -> String {
        try SQLiteShell.run([db, ".timeout 5000", query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func threeMinutesWithoutTheProviderFailNoJobAndTheRunFinishesWhenItIsBack() async throws {
        let directory = TemporaryDirectory("outage")
        let (first, port) = try await Self.simulator(port: 0, in: directory, name: "before")
        let db = directory.path("q.sqlite")
        // About 15 answers a second: 400 jobs leave the outage tens of seconds to begin mid-run even when
        // this test's polling is starved on a loaded machine (120 once finished before it could begin).
        let count = 400
        try await importJobs(count, db: db, directory: directory)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", db, "--base-url", "http://127.0.0.1:\(port)/openai/v1", "--catalog", catalog,
                "--concurrency", "2", "--backoff-base", "0.2", "--backoff-cap", "2",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        while (Int(try sql(db, "SELECT COUNT(*) FROM results")) ?? 0) < 10 {
            try await Task.sleep(for: .milliseconds(100))
        }
        // The outage: the provider's port refuses every connection for three minutes.
        first.signal(SIGKILL)
        _ = await first.wait(timeout: 10)
        let answeredBefore = Int(try sql(db, "SELECT COUNT(*) FROM results")) ?? 0
        try await Task.sleep(for: .seconds(180))
        #expect(try sql(db, "SELECT COUNT(*) FROM jobs WHERE status = 'failed'") == "0", "no job fails while the provider is away")
        #expect(worker.process.isRunning, "the worker waits instead of exiting: \(worker.output)")
        let (second, _) = try await Self.simulator(port: port, in: directory, name: "after")
        let status = await worker.wait(timeout: 180)
        second.signal(SIGTERM)
        _ = await second.wait(timeout: 10)
        #expect(status == 0, "\(worker.output)")
        #expect(answeredBefore < count, "the outage began mid-run")
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|\(count)")
        // A call cut off as the provider died counts as one try (a reset); the outage's own refusals none.
        #expect(Int(try sql(db, "SELECT MAX(model_attempts) FROM jobs")) ?? 9 <= 2, "the outage used up no job's tries")
        #expect(Int(try sql(db, "SELECT COUNT(*) FROM attempts WHERE error_code = 'provider_unreachable'")) ?? 0 >= 1, "the outage was met")
        let unreachable = worker.output.components(separatedBy: "the provider is unreachable").count - 1
        #expect(unreachable == 1, "said once when it began: \(worker.output)")
        #expect(worker.output.contains("connection refused"))
        #expect(worker.output.contains("the provider answers again after"))
    }

    @Test func pastGiveUpAfterTheWorkerExits4AndEveryJobStaysQueued() async throws {
        let directory = TemporaryDirectory("gone")
        // A port nothing listens on: a simulator's, after it stopped.
        let (gone, port) = try await Self.simulator(port: 0, in: directory, name: "gone")
        gone.signal(SIGTERM)
        _ = await gone.wait(timeout: 10)
        let db = directory.path("q.sqlite")
        try await importJobs(5, db: db, directory: directory)
        let run = try await CommandRun.groqbatchAwaiting(
            ["work", "--drain", "--db", db, "--base-url", "http://127.0.0.1:\(port)/openai/v1", "--give-up-after", "5s"],
            environment: ["GROQ_API_KEY": "sim-key"])
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stderr.contains("the provider has been unreachable for"), "\(run.stderr)")
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|5")
    }
}
