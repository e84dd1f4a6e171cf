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
        // test process's threads.
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
        // Latency is what the worker measured, call by call: never less than the time the simulator took
        // for the same request (matched by its id), and the percentiles are those of the recorded calls.
        // (How far above the simulator's time the worker's is depends on the machine's load, not on stats.)
        let simulated = Dictionary(truth.filter { $0.status == 200 }.map { ($0.requestID, $0.latency ?? 0) }, uniquingKeysWith: { $1 })
        let recorded = try SQLiteShell.run(
            [db, "SELECT request_id, finished_at - started_at FROM attempts WHERE outcome = 'success' AND model = '\(fast)'"]
        ).stdout.split(separator: "\n").map { line in
            let fields = line.split(separator: "|")
            return (id: String(fields[0]), latency: Double(fields[1])!)
        }
        #expect(recorded.count == model.successes && Set(recorded.map(\.id)) == Set(simulated.keys))
        for call in recorded {
            let server = try #require(simulated[call.id])
            #expect(call.latency >= server - 0.002 && call.latency < server + 30, "\(call.id): \(call.latency) s measured, \(server) s simulated")
        }
        // And close to it: half the calls within half a second of the simulator's time (a few milliseconds
        // on a quiet machine; a start stamped at the claim, or a wait for budget counted in, would not be).
        let excess = try recorded.map { $0.latency - (try #require(simulated[$0.id])) }.sorted()
        #expect(excess[excess.count / 2] < 0.5, "median excess over the simulator's time: \(excess[excess.count / 2]) s")
        let sorted = recorded.map(\.latency).sorted()
        for (p, measured) in [(0.50, model.latency_p50), (0.95, model.latency_p95), (0.99, model.latency_p99)] {
            let expected = try #require(CallStatistics.percentile(sorted, p))
            let value = try #require(measured)
            #expect(abs(value - expected) < 1e-6, "p\(Int(p * 100)): \(value) s shown, \(expected) s recorded")
        }
        #expect(model.groq_queue_time_avg.map { abs($0 - 0.5) < 0.01 } == true, "Groq's queue_time is averaged")
        // The view sqlite3 users read holds the same numbers.
        let view = try SQLiteShell.run([
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
