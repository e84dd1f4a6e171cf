import Foundation
import QueueStore

/// The GroqQueue's utilization, in real time against the simulator's limits: the theoretical minimum time
/// for the work the simulator served, crediting the first window's burst (a fresh limit allows its whole
/// amount at once): the largest of `(amount - limit) / limit` periods over RPM, TPM, RPD and TPD, with
/// requests and reserved tokens as the amounts, divided by the time `work --drain` took. Reserved tokens are the simulator's
/// own count (prompt + max_tokens) from its request log; `max_tokens` is the simulator's shortest answer,
/// so every completion uses all of it and reserved equals used. Each scenario lasts several windows of a
/// minute: over a single window a rolling limit would not bind at all.
struct UtilizationBench {
    let binary: String
    let scratch: String
    /// Seconds each scenario should take at full utilization.
    let seconds: Double

    struct Limits {
        var rpm: Int, rpd: Int, tpm: Int, tpd: Int
    }

    static let model = "bench/limited"

    func run(_ report: BenchReport) async throws {
        // (a) Known limits, pinned with `limits set`: tokens per minute bind, so the estimator matters.
        // About 84 prompt tokens + 12 output tokens per job.
        let known = Limits(rpm: 120, rpd: 1_000_000, tpm: 6_000, tpd: 100_000_000)
        try await scenario(
            "limits known", real: known, catalog: known, pin: true, jobs: Int(seconds / 60 * 6_000 / 96), report: report,
            target: "target >= 0.95 with zero 429s")
        // (b) Unknown limits: the catalog claims three times the real ones. Requests per minute bind and
        // appear in no header, so they must be learned from a 429; tokens per minute come from headers.
        let real = Limits(rpm: 60, rpd: 1_000_000, tpm: 30_000, tpd: 100_000_000)
        let guess = Limits(rpm: 180, rpd: 3_000_000, tpm: 90_000, tpd: 300_000_000)
        try await scenario(
            "limits learned", real: real, catalog: guess, pin: false, jobs: Int(seconds / 60 * 60), report: report,
            target: "target >= 0.90")
    }

    func scenario(_ name: String, real: Limits, catalog: Limits, pin: Bool, jobs: Int, report: BenchReport, target: String) async throws {
        report.emit("== utilization, \(name) (\(jobs) jobs, RPM \(real.rpm), TPM \(real.tpm); about \(Int(seconds)) s) ==")
        let folder = scratch + "/utilization-\(pin ? "known" : "learned")"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let simConfig = folder + "/sim.json"
        try
            #"{"speed_factor": 1, "queue_delay": 0.05, "models": [{"id": "\#(Self.model)", "max_output": 256, "rpm": \#(real.rpm), "rpd": \#(real.rpd), "tpm": \#(real.tpm), "tpd": \#(real.tpd), "tokens_per_second": 2000}]}"#
            .write(toFile: simConfig, atomically: true, encoding: .utf8)
        let catalogPath = folder + "/catalog.json"
        try
            #"{"models": [{"id": "\#(Self.model)", "max_output": 256, "rpm": \#(catalog.rpm), "rpd": \#(catalog.rpd), "tpm": \#(catalog.tpm), "tpd": \#(catalog.tpd)}]}"#
            .write(toFile: catalogPath, atomically: true, encoding: .utf8)
        let log = folder + "/requests.jsonl"
        let simulator = try SimulatorProcess(binary: binary, configPath: simConfig, requestLog: log)
        defer { simulator.stop() }

        let db = folder + "/queue.sqlite"
        let store = try BenchQueue.open(db)
        let words = ["queue", "budget", "token", "limit", "worker", "night", "batch", "model", "answer", "prompt"]
        try await BenchQueue.add(jobs, to: BatchSpec(name: "utilization", source: "bench", models: [Self.model]), in: store) { index in
            let count = 60 + index % 40
            let text = (0..<count).map { words[($0 * 7 + index) % words.count] }.joined(separator: " ")
            return NewJob(
                line: index, customID: "u\(index)",
                requestJSON: #"{"max_tokens":12,"messages":[{"content":"\#(text)","role":"user"}]}"#,
                models: [Self.model], promptCharacters: text.count, maxTokens: 12)
        }
        if pin {
            let set = try ChildProcess.run(
                binary,
                [
                    "limits", "set", "--db", db, "--provider", simulator.baseURL, "--model", Self.model, "--rpm", "\(real.rpm)",
                    "--rpd", "\(real.rpd)", "--tpm", "\(real.tpm)", "--tpd", "\(real.tpd)",
                ], stdoutPath: folder + "/limits.out")
            guard set.status == 0 else { throw BenchError("limits set failed") }
        }
        let run = try ChildProcess.run(
            binary, ["work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--concurrency", "16", "--catalog", catalogPath, "--log-level", "error"],
            stdoutPath: folder + "/work.out", environment: ["GROQ_API_KEY": "sim-key"])
        guard run.status == 0 else { throw BenchError("work exited \(run.status)") }

        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let served = entries.filter { $0["status"] as? Int == 200 }
        let refusals = entries.filter { $0["status"] as? Int == 429 }
        let refused = refusals.count
        let byLimit = Dictionary(grouping: refusals, by: { $0["limit"] as? String ?? "?" }).map { "\($0.value.count) \($0.key)" }.sorted().joined(
            separator: ", ")
        let reserved = served.reduce(0) { $0 + ($1["reserved_tokens"] as? Int ?? 0) }
        let spent: [(amount: Int, limit: Int, period: Double)] = [
            (served.count, real.rpm, 60), (reserved, real.tpm, 60), (served.count, real.rpd, 86_400), (reserved, real.tpd, 86_400),
        ]
        let minimum = spent.map { max(0, Double($0.amount - $0.limit)) / Double($0.limit) * $0.period }.max() ?? 0
        let estimator = try await store.estimators().first { $0.model == Self.model }?.estimator
        report.add(
            "utilization, \(name)", minimum / run.seconds, "",
            ratio: String(
                format: "%@; %.0f s theoretical / %.0f s measured; %d 429s%@; estimator error %.1f%% after %d samples",
                target, minimum, run.seconds, refused, refused > 0 ? " (\(byLimit))" : "", (estimator?.relativeError ?? 0) * 100, estimator?.samples ?? 0))
    }
}
