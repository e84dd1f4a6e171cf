import Foundation
import GroqClient
import QueueStore

/// `groqbatch work` against the simulator with zero latency and no limits at concurrency 64, next to the
/// simulator's own capacity measured alone (the same HTTP client, the same concurrency, no database).
struct EndToEndBench {
    let binary: String
    let scratch: String
    let jobs: Int
    let concurrency = 64
    let model = "bench/unlimited"

    func run(_ report: BenchReport) async throws {
        report.emit("== end to end (\(jobs) jobs, concurrency \(concurrency), simulator with zero latency and no limits) ==")
        let config = scratch + "/sim.json"
        try #"{"speed_factor": 0, "queue_delay": 0, "models": [{"id": "\#(model)", "tokens_per_second": 1000000}]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let simulator = try SimulatorProcess(binary: binary, configPath: config)
        defer { simulator.stop() }
        let baseURL = simulator.baseURL

        let capacity = try await simulatorCapacity(baseURL: baseURL, requests: jobs)
        report.add("simulator alone", capacity, "requests/s", ratio: "the denominator: \(concurrency) concurrent calls through the same client, no database")

        let db = scratch + "/e2e.sqlite"
        let store = try BenchQueue.open(db)
        try await BenchQueue.add(jobs, to: BatchSpec(name: "e2e", source: "bench", models: [model]), in: store) { index in
            return NewJob(
                line: index, customID: "e2e-\(index)",
                requestJSON: #"{"max_tokens":32,"messages":[{"content":"End to end prompt \#(index)","role":"user"}]}"#,
                models: [model], promptCharacters: 24, maxTokens: 32)
        }
        let catalog = scratch + "/catalog.json"
        try #"{"models": [{"id": "\#(model)", "max_output": 64}]}"#.write(toFile: catalog, atomically: true, encoding: .utf8)
        let run = try ChildProcess.run(
            binary, ["work", "--db", db, "--base-url", baseURL, "--drain", "--concurrency", "\(concurrency)", "--log-level", "error", "--catalog", catalog],
            stdoutPath: scratch + "/work.out", environment: ["GROQ_API_KEY": "sim-key"])
        guard run.status == 0 else {
            throw BenchError("work exited \(run.status): \((try? String(contentsOfFile: scratch + "/work.out.err", encoding: .utf8)) ?? "")")
        }
        let done = try await store.countsByStatus(batch: nil)[.succeeded] ?? 0
        guard done == jobs else { throw BenchError("only \(done) of \(jobs) jobs succeeded") }
        let rate = Double(jobs) / run.seconds
        report.add("end to end", rate, "jobs/s", ratio: String(format: "%.2f of the simulator's capacity alone", rate / capacity))
        report.add(
            "worker CPU", run.cpuSeconds / run.seconds * 100, "% of one core",
            ratio: String(format: "%.2f CPU-ms per job", run.cpuSeconds * 1000 / Double(jobs)))
        report.add("worker peak RSS", run.peakRSSMegabytes, "MB")
    }

    func simulatorCapacity(baseURL: String, requests: Int) async throws -> Double {
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: baseURL, apiKey: APIKey("sim-key"), maxConnectionsPerHost: concurrency))
        let body = #"{"max_tokens":32,"messages":[{"content":"Capacity probe","role":"user"}]}"#
        let model = self.model
        let perTask = requests / concurrency
        let (failures, seconds) = await measureAsync { () async -> Int in
            await withTaskGroup(of: Int.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var failed = 0
                        for _ in 0..<perTask {
                            if case .failure = await client.chat(requestJSON: body, model: model) { failed += 1 }
                        }
                        return failed
                    }
                }
                return await group.reduce(0, +)
            }
        }
        try await client.shutdown()
        guard failures == 0 else { throw BenchError("\(failures) probe calls failed") }
        return Double(perTask * concurrency) / seconds
    }
}
