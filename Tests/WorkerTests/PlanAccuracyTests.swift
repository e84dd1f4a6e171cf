import Foundation
import GroqSimulator
import TestSupport
import Testing

/// `groqbatch plan` against what a real run on the simulator then does.
struct PlanAccuracyTests {
    struct Plan: Decodable {
        struct Model: Decodable {
            var requests: Int
            var total_tokens: Int
            var binding: String
            var completion_is_upper_bound: Bool
        }
        var models: [Model]
        var seconds: Double
        var fits_deadline: Bool?
    }

    /// A prompt whose length varies with `n`, so the token estimate has something to learn.
    static func body(_ n: Int) -> String {
        let filler = String(repeating: "and then some more words ", count: n % 9)
        return #"{"max_tokens":64,"messages":[{"content":"Request \#(n): summarise \#(filler)please.","role":"user"}]}"#
    }

    @Test func theEstimateMatchesAMeasuredRun() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        // The runs call a simulator of their own, in its own process: answered from the test process, the
        // latency the plan learns would be the machine's load, not the provider's.
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "\(WorkerFixture.fast)", "context_window": 8192, "max_output": 256}]}
                """, requestLog: fixture.directory.path("simulator.jsonl"), in: fixture.directory)
        let environment = ["GROQ_API_KEY": "sim-key"]
        // Runs awaited, not waited for: a blocked thread would starve the in-process simulator on 2 cores.
        var runs = 0
        func groqbatch(_ arguments: [String]) async throws -> String {
            runs += 1
            let process = try BackgroundProcess(
                groqbatch: arguments + ["--db", fixture.dbPath], environment: environment,
                logPath: fixture.directory.path("run-\(runs).log"))
            let status = await process.wait(timeout: 120)
            #expect(status == 0, "\(arguments): \(process.output)")
            return process.output
        }
        let provider = ["--base-url", simulator.baseURL]
        // An earlier run teaches the estimator this model's tokens per character and answer lengths.
        try fixture.addJobs(40, batch: "earlier", prefix: "e", body: { Self.body($0 + 1000) })
        _ = try await groqbatch(["work", "--drain", "--catalog", fixture.catalogPath, "--log-level", "error"] + provider)
        // A fresh, pinned limit: 100 requests a minute binds. 150 jobs: 100 at once, 50 a minute later.
        _ = try await groqbatch(["limits", "reset"])
        _ = try await groqbatch(["limits", "set", "--model", WorkerFixture.fast, "--rpm", "100", "--provider", simulator.baseURL])
        try fixture.addJobs(150, batch: "tonight", body: Self.body)

        let planned = try JSONDecoder().decode(
            Plan.self,
            from: Data(
                try await groqbatch(
                    ["plan", "--batch", "tonight", "--json", "--catalog", fixture.catalogPath] + provider
                ).utf8))
        let human = try await groqbatch(["plan", "--batch", "tonight", "--catalog", fixture.catalogPath] + provider)
        #expect(human.contains("RPM"))
        let model = try #require(planned.models.first)
        #expect(planned.models.count == 1)
        #expect(model.binding == "rpm")
        #expect(!model.completion_is_upper_bound, "answers were seen in the earlier run")

        let started = Date()
        _ = try await groqbatch(["work", "--drain", "--batch", "tonight", "--catalog", fixture.catalogPath, "--log-level", "error"] + provider)
        await simulator.stop()
        await fixture.stop()
        // The run's time is its calls' span at the provider: the plan says how long the calls take, not
        // how long a loaded machine takes to start and stop a worker process around them.
        let calls = try String(contentsOfFile: fixture.directory.path("simulator.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
            .filter { $0.time >= started.timeIntervalSince1970 }
        let measured = try #require(calls.map(\.time).max()) - (try #require(calls.map { $0.time - ($0.latency ?? 0) }.min()))

        let attempts = try #require(
            Int(
                try fixture.sql(
                    "SELECT COUNT(*) FROM attempts a JOIN jobs j ON j.id = a.job_id JOIN batches b ON b.id = j.batch_id WHERE b.name = 'tonight'")))
        let tokens = try #require(
            Int(
                try fixture.sql(
                    "SELECT SUM(r.total_tokens) FROM results r JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id WHERE b.name = 'tonight'")))
        let requestError = abs(Double(model.requests - attempts)) / Double(attempts)
        let tokenError = abs(Double(model.total_tokens - tokens)) / Double(tokens)
        let timeError = abs(planned.seconds - measured) / measured
        print(
            "plan vs run: requests \(model.requests) vs \(attempts), tokens \(model.total_tokens) vs \(tokens) (\(String(format: "%.1f", tokenError * 100))%), time \(String(format: "%.1f", planned.seconds)) s vs \(String(format: "%.1f", measured)) s (\(String(format: "%.1f", timeError * 100))%)"
        )
        #expect(requestError <= 0.05)
        #expect(tokenError <= 0.05)
        #expect(timeError <= 0.15)
    }
}
