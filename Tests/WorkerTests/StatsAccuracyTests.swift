import Foundation
import GroqSimulator
import QueueStore
import TestSupport
import Testing

/// `groqbatch stats` and the `stats` view against the simulator's request log, which records the truth.
@Suite(.serialized)
struct StatsAccuracyTests {
    struct Shown: Decodable {
        var name: String
        var requests: Int
        var successes: Int
        var retries: Int
        var fallbacks: Int
        var rate_limited: Int
        var rate_limited_rpm: Int
        var latency_p50: Double?
        var latency_p95: Double?
        var latency_p99: Double?
        var groq_queue_time_avg: Double?
        var prompt_tokens: Int
        var completion_tokens: Int
    }

    @Test func statsMatchTheSimulatorsLog() async throws {
        let directory = TemporaryDirectory("stats")
        let log = directory.path("requests.jsonl")
        let fast = "sim/fast"
        let retired = "sim/retired"
        // The simulator and the worker run as their own processes, so their timings do not wait for the
        // test process's threads; 0.5 s of latency makes a few milliseconds of overhead small against 10%.
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.5, "seed": 7,
                 "faults": {"server_error": 0.05, "rate_limited": 0.05},
                 "models": [{"id": "\(fast)", "max_output": 256, "rpm": 100000, "tokens_per_second": 400},
                            {"id": "\(retired)", "decommissioned": true}]}
                """, requestLog: log, in: directory)
        let db = directory.path("q.sqlite")
        let store = try SQLiteJobStore(path: db)
        _ = try store.importJobs(into: BatchSpec(name: "b", source: "test", models: [fast], maxAttempts: 10)) { sink in
            for n in 1...200 {
                let chain = n % 20 == 0 ? [retired, fast] : [fast]
                _ = try sink.add(
                    NewJob(
                        line: n, customID: "j\(n)", requestJSON: #"{"max_tokens":\#(16 + n % 48),"messages":[{"content":"Question \#(n)?","role":"user"}]}"#,
                        models: chain, promptCharacters: 12, maxTokens: 16 + n % 48))
            }
        }
        let catalog = directory.write(
            "catalog.json", #"{"models": [{"id": "\#(fast)", "rpm": 100000, "input_price": 0.1, "output_price": 0.2}, {"id": "\#(retired)"}]}"#)
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--concurrency", "16",
                "--backoff-base", "0.02", "--backoff-cap", "0.1", "--log-level", "error",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        #expect(await worker.wait(timeout: 120) == 0, "\(worker.output)")
        await simulator.stop()

        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        let truth = entries.filter { $0.model == fast }
        let latencies = truth.compactMap(\.latency).sorted()
        let process = try BackgroundProcess(
            groqbatch: ["stats", "--json", "--db", db], logPath: directory.path("stats.json"))
        #expect(await process.wait() == 0, "\(process.output)")
        let shown = try JSONDecoder().decode([Shown].self, from: Data(process.output.utf8))
        let model = try #require(shown.first { $0.name == fast })
        #expect(model.requests == truth.count)
        #expect(model.successes == truth.filter { $0.status == 200 }.count)
        #expect(model.rate_limited == truth.filter { $0.status == 429 }.count)
        #expect(model.rate_limited_rpm == truth.filter { $0.limit == "RPM" }.count)
        #expect(model.rate_limited > 0 && model.retries == truth.filter { $0.status == 429 || $0.status == 500 }.count)
        #expect(model.completion_tokens == truth.compactMap(\.completionTokens).reduce(0, +))
        let retiredShown = try #require(shown.first { $0.name == retired })
        #expect(retiredShown.requests == entries.filter { $0.model == retired }.count && retiredShown.fallbacks == retiredShown.requests)
        for (p, measured) in [(0.50, model.latency_p50), (0.95, model.latency_p95), (0.99, model.latency_p99)] {
            let expected = try #require(CallStatistics.percentile(latencies, p))
            let value = try #require(measured)
            #expect(abs(value - expected) / expected <= 0.10, "p\(Int(p * 100)): \(value) s measured, \(expected) s simulated")
        }
        #expect(model.groq_queue_time_avg.map { abs($0 - 0.5) < 0.01 } == true, "Groq's queue_time is averaged")
        // The view sqlite3 users read holds the same numbers.
        let view = try CommandRun.run(
            "/usr/bin/sqlite3",
            [
                db,
                "SELECT requests, successes, retries, rate_limited_rpm, printf('%.6f', latency_p50), printf('%.6f', latency_p99) FROM stats WHERE dimension = 'model' AND name = '\(fast)'",
            ]
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            view
                == "\(model.requests)|\(model.successes)|\(model.retries)|\(model.rate_limited_rpm)|\(String(format: "%.6f", model.latency_p50!))|\(String(format: "%.6f", model.latency_p99!))"
        )
    }
}
