import Foundation
import QueueStore

/// How well groqbatch tells the future and the past, each against a measured run on the simulator:
/// `plan` (requests, tokens, time) against the `work --drain` that follows it, and `stats` (counts and
/// latency percentiles) against the simulator's own request log.
struct ForecastBench {
    let binary: String
    let scratch: String
    /// Seconds the planned run should take.
    let seconds: Double

    static let model = "bench/planned"

    func run(_ report: BenchReport) async throws {
        try await plan(report)
        try await stats(report)
    }

    /// Jobs whose prompt lengths vary, so the estimator has something to learn.
    func importJobs(_ store: any QueueDatabase, batch: String, count: Int, offset: Int) async throws {
        let words = ["summarise", "the", "queue", "of", "tonight", "and", "its", "budget", "for", "every", "model"]
        try await BenchQueue.add(count, to: BatchSpec(name: batch, source: "bench", models: [Self.model]), in: store) { index in
            let text = (0..<(20 + (index * 7 + offset) % 60)).map { words[($0 + index) % words.count] }.joined(separator: " ")
            return NewJob(
                line: index, customID: "\(batch)-\(index)",
                requestJSON: #"{"max_tokens":64,"messages":[{"content":"\#(text)","role":"user"}]}"#,
                models: [Self.model], promptCharacters: text.count, maxTokens: 64)
        }
    }

    func plan(_ report: BenchReport) async throws {
        let rpm = 300
        let jobs = Int(seconds / 60 * Double(rpm)) + rpm / 10
        report.emit("== plan against a measured run (\(jobs) jobs at \(rpm) requests per minute; about \(Int(seconds)) s) ==")
        let folder = scratch + "/forecast-plan"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let simConfig = folder + "/sim.json"
        try #"{"speed_factor": 1, "queue_delay": 0.05, "models": [{"id": "\#(Self.model)", "max_output": 256, "tokens_per_second": 2000}]}"#
            .write(toFile: simConfig, atomically: true, encoding: .utf8)
        let catalog = folder + "/catalog.json"
        try #"{"models": [{"id": "\#(Self.model)", "max_output": 256, "input_price": 0.1, "output_price": 0.3}]}"#
            .write(toFile: catalog, atomically: true, encoding: .utf8)
        let simulator = try SimulatorProcess(binary: binary, configPath: simConfig)
        defer { simulator.stop() }
        let db = folder + "/queue.sqlite"
        let store = try BenchQueue.open(db)
        let common = ["--db", db, "--catalog", catalog, "--base-url", simulator.baseURL]
        let environment = ["GROQ_API_KEY": "sim-key"]
        // An earlier night taught the estimator this model's tokens per character and answer lengths.
        try await importJobs(store, batch: "earlier", count: 100, offset: 3)
        guard try ChildProcess.run(binary, ["work", "--drain", "--log-level", "error"] + common, environment: environment).status == 0,
            try ChildProcess.run(binary, ["limits", "reset", "--db", db]).status == 0,
            try ChildProcess.run(binary, ["limits", "set", "--db", db, "--provider", simulator.baseURL, "--model", Self.model, "--rpm", "\(rpm)"]).status == 0
        else { throw BenchError("preparing the planned run failed") }
        try await importJobs(store, batch: "tonight", count: jobs, offset: 0)
        let planOut = folder + "/plan.json"
        guard try ChildProcess.run(binary, ["plan", "--batch", "tonight", "--json"] + common, stdoutPath: planOut).status == 0,
            let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: planOut))) as? [String: Any],
            let model = (plan["models"] as? [[String: Any]])?.first,
            let plannedSeconds = plan["seconds"] as? Double, let plannedRequests = model["requests"] as? Int,
            let plannedTokens = model["total_tokens"] as? Int
        else { throw BenchError("plan printed no plan") }
        let run = try ChildProcess.run(binary, ["work", "--drain", "--batch", "tonight", "--log-level", "error"] + common, environment: environment)
        guard run.status == 0 else { throw BenchError("work exited \(run.status)") }
        let totals = try ChildProcess.sqlite(
            db,
            """
            SELECT COUNT(*), (SELECT SUM(r.total_tokens) FROM results r JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id WHERE b.name = 'tonight')
            FROM attempts a JOIN jobs j ON j.id = a.job_id JOIN batches b ON b.id = j.batch_id WHERE b.name = 'tonight'
            """
        ).split(separator: "|").compactMap { Int($0) }
        guard totals.count == 2 else { throw BenchError("no totals from the run") }
        report.add(
            "plan, time", plannedSeconds / run.seconds, "of measured",
            ratio: String(format: "planned %.1f s, measured %.1f s; target within 15%%", plannedSeconds, run.seconds))
        report.add(
            "plan, requests", Double(plannedRequests) / Double(totals[0]), "of measured",
            ratio: "planned \(plannedRequests), made \(totals[0]); target within 5%")
        report.add(
            "plan, tokens", Double(plannedTokens) / Double(totals[1]), "of measured",
            ratio: "planned \(plannedTokens), used \(totals[1]); target within 5%")
    }

    func stats(_ report: BenchReport) async throws {
        let jobs = 600
        report.emit("== stats against the simulator's request log (\(jobs) jobs, 0.3 s latency, 3% 500s, 3% 429s) ==")
        let folder = scratch + "/forecast-stats"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let simConfig = folder + "/sim.json"
        try
            #"{"speed_factor": 1, "queue_delay": 0.3, "seed": 9, "faults": {"server_error": 0.03, "rate_limited": 0.03}, "models": [{"id": "\#(Self.model)", "max_output": 256, "rpm": 1000000, "tokens_per_second": 400}]}"#
            .write(toFile: simConfig, atomically: true, encoding: .utf8)
        let catalog = folder + "/catalog.json"
        try #"{"models": [{"id": "\#(Self.model)", "max_output": 256, "rpm": 1000000}]}"#.write(toFile: catalog, atomically: true, encoding: .utf8)
        let log = folder + "/requests.jsonl"
        let simulator = try SimulatorProcess(binary: binary, configPath: simConfig, requestLog: log)
        defer { simulator.stop() }
        let db = folder + "/queue.sqlite"
        try await importJobs(try BenchQueue.open(db), batch: "stats", count: jobs, offset: 1)
        let run = try ChildProcess.run(
            binary,
            [
                "work", "--drain", "--db", db, "--catalog", catalog, "--base-url", simulator.baseURL, "--concurrency", "32",
                "--backoff-base", "0.05", "--backoff-cap", "0.2", "--log-level", "error",
            ],
            environment: ["GROQ_API_KEY": "sim-key"])
        guard run.status == 0 else { throw BenchError("work exited \(run.status)") }
        let statsOut = folder + "/stats.json"
        guard try ChildProcess.run(binary, ["stats", "--json", "--db", db], stdoutPath: statsOut).status == 0,
            let shown = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statsOut))) as? [[String: Any]])?.first
        else { throw BenchError("stats printed nothing") }
        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let latencies = entries.compactMap { $0["latency"] as? Double }.sorted()
        let exact = [
            ("requests", entries.count), ("successes", entries.filter { $0["status"] as? Int == 200 }.count),
            ("rate_limited", entries.filter { $0["status"] as? Int == 429 }.count),
        ]
        let mismatches = exact.filter { (shown[$0.0] as? Int) != $0.1 }.map(\.0)
        report.add(
            "stats, counts", Double(exact.count - mismatches.count), "of \(exact.count) exact",
            ratio: exact.map { "\($0.0) \(shown[$0.0] as? Int ?? -1) vs \($0.1)" }.joined(separator: ", "))
        for (name, p) in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)] {
            let truth = CallStatistics.percentile(latencies, p) ?? 0
            let measured = shown["latency_\(name)"] as? Double ?? 0
            report.add(
                "stats, latency \(name)", measured / truth, "of simulated",
                ratio: String(format: "%.3f s measured by the worker, %.3f s simulated; target within 10%%", measured, truth))
        }
    }
}
