import Foundation
import JobFormats
import QueueStore
import Scheduler

/// Prompt-cache-aware ordering against plain queue order, on the same jobs: template rows whose three
/// instruction sets (chosen by a column, rows shuffled) are about 80% of each prompt, on a caching model
/// limited to 6,000 tokens per minute. Each run has a simulator of its own; the figure is the ratio of
/// wall times, with each run's hit rate and 429s from the simulator's log.
struct CacheBench {
    let binary: String
    let scratch: String
    let jobs: Int

    static let model = "openai/gpt-oss-20b"

    struct Outcome {
        var seconds: Double
        var hitRate: Double
        var rateLimited: Int
        var calls: Int
    }

    func run(_ report: BenchReport) async throws {
        report.emit("== prompt cache: \(jobs) template jobs, 80% shared instructions, 6,000 TPM ==")
        let aware = try scenario("aware", cacheAware: true)
        let naive = try scenario("naive", cacheAware: false)
        report.add(
            "cache-aware ordering", naive.seconds / aware.seconds, "x faster",
            ratio: String(
                format: "target >= 2x; %.1f s (hit rate %.0f%%, %d 429s) vs %.1f s in queue order without cache accounting (hit rate %.0f%%, %d 429s)",
                aware.seconds, aware.hitRate * 100, aware.rateLimited, naive.seconds, naive.hitRate * 100, naive.rateLimited))
        // What answer reuse costs the claim: every deterministic candidate is looked up (an answer to
        // take, an identical request to wait for), though none is found here.
        let plain = try await claimAndRecord(deterministic: false)
        let checked = try await claimAndRecord(deterministic: true)
        report.add(
            "claim + record with reuse checks", checked / plain, "x the time",
            ratio: String(
                format: "target <= 1.3x: %.0f vs %.0f jobs/s, 20,000 distinct jobs at temperature 0 against the same without, limit 64",
                1 / checked, 1 / plain))
    }

    /// Seconds per job of budgeted claims of 64 and their recorded answers, over 20,000 distinct jobs.
    func claimAndRecord(deterministic: Bool) async throws -> Double {
        let db = scratch + "/reuse-\(deterministic).sqlite"
        try? FileManager.default.removeItem(atPath: db)
        let store = try BenchQueue.open(db)
        let count = 20_000
        let model = "bench/reuse"
        try await BenchQueue.add(count, to: BatchSpec(name: "reuse", source: "bench", models: [model]), in: store) { index in
            let body: [String: JSONValue] = [
                "max_tokens": .number(16), "messages": .array([.object(["role": .string("user"), "content": .string("Question \(index)")])]),
            ].merging(deterministic ? ["temperature": .number(0)] : [:]) { $1 }
            let json = JSONValue.object(body).jsonString()
            var job = NewJob(line: index, customID: "r\(index)", requestJSON: json, models: [model], promptCharacters: 12, maxTokens: 16)
            job.reuseKey = RequestFingerprint.reuseKey(requestJSON: json, models: [model], body: body)
            return job
        }
        let context = BudgetContext(provider: "https://bench.invalid/v1", catalog: ModelCatalog(entries: [.init(id: model, maxOutput: 64)], source: .catalog))
        try await store.setLimits(provider: context.provider, model: model, limits: [.rpm: 100_000_000, .tpm: 1_000_000_000], now: Date())
        let (done, seconds) = try await measureAsync { () async throws -> Int in
            var done = 0
            while true {
                let now = Date()
                let claimed = try await store.claim(workerID: "bench", limit: 64, leaseDuration: 60, batch: nil, now: now, budget: context).jobs
                if claimed.isEmpty { return done }
                let outcomes = claimed.map { job in
                    JobOutcome(
                        jobID: job.id,
                        attempt: AttemptRecord(
                            model: model, startedAt: now, finishedAt: now, httpStatus: 200, outcome: .success, promptTokens: 8, completionTokens: 4),
                        transition: .succeed(
                            JobResult(
                                model: model, content: "answer", finishReason: "stop", promptTokens: 8, completionTokens: 4, totalTokens: 12,
                                responseID: "chatcmpl-1", requestID: "req_1", rawResponse: "{}")),
                        observation: ProviderObservation(provider: context.provider, model: model, promptCharacters: 12, promptTokens: 8, totalTokens: 12),
                        claimToken: job.claimToken)
                }
                _ = try await store.record(outcomes, workerID: "bench", now: now)
                done += claimed.count
            }
        }
        guard done == count else { throw BenchError("completed \(done) of \(count)") }
        return seconds / Double(done)
    }

    func scenario(_ name: String, cacheAware: Bool) throws -> Outcome {
        let folder = scratch + "/cache-\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let write = { (file: String, text: String) in
            let path = folder + "/" + file
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let system = try write(
            "system.mustache",
            """
            {{#billing}}You answer billing tickets. Classify urgency as low, normal or high, name the invoice concerned, and say whether a refund applies under the policy of thirty days from purchase.{{/billing}}\
            {{#shipping}}You answer shipping tickets. Classify urgency as low, normal or high, name the carrier concerned, and say whether the parcel is late by the promise made at checkout time.{{/shipping}}\
            {{#returns}}You answer returns tickets. Classify urgency as low, normal or high, name the product concerned, and say whether the return is allowed under the policy of thirty days.{{/returns}}
            """)
        let template = try write("ticket.mustache", "Ticket {{id}}: {{text}}")
        // The same shuffle for both runs.
        var state: UInt64 = 2121
        var rows = (1...jobs).map { $0 }
        for index in stride(from: rows.count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            rows.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
        }
        let queues = ["billing", "shipping", "returns"]
        let csv =
            "id,billing,shipping,returns,text\n"
            + rows.map { n in
                let queue = queues[n % 3]
                return "t\(n),\(queue == "billing" ? "y" : ""),\(queue == "shipping" ? "y" : ""),\(queue == "returns" ? "y" : ""),order \(n)"
            }.joined(separator: "\n") + "\n"
        let data = try write("rows.csv", csv)
        let db = folder + "/queue.sqlite"
        try? FileManager.default.removeItem(atPath: db)
        let imported = try ChildProcess.run(
            binary,
            [
                "import", "--db", db, "--template", template, "--system-template", system, "--data", data, "--id-column", "id", "--model", Self.model,
                "--max-tokens", "4", "--batch", "tickets",
            ], stdoutPath: folder + "/import.out")
        guard imported.status == 0 else { throw BenchError("import failed: see \(folder)/import.out.err") }
        let simConfig = try write(
            "sim.json", #"{"models": [{"id": "\#(Self.model)", "max_output": 1024, "tpm": 6000, "rpm": 10000, "prompt_caching": true}]}"#)
        let catalog = try write(
            "catalog.json",
            #"{"models": [{"id": "\#(Self.model)", "max_output": 1024, "tpm": 6000, "rpm": 10000, "input_price": 0.075, "output_price": 0.3, "prompt_caching": true}]}"#
        )
        let log = folder + "/requests.jsonl"
        let simulator = try SimulatorProcess(binary: binary, configPath: simConfig, requestLog: log)
        defer { simulator.stop() }
        let run = try ChildProcess.run(
            binary,
            ["work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--concurrency", "64", "--catalog", catalog, "--log-level", "error"]
                + (cacheAware ? [] : ["--no-cache-aware"]),
            stdoutPath: folder + "/work.out", environment: ["GROQ_API_KEY": "sim-key"])
        guard run.status == 0 else { throw BenchError("work exited \(run.status)") }
        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let served = entries.filter { $0["status"] as? Int == 200 && $0["endpoint"] == nil }
        let prompt = served.reduce(0) { $0 + ($1["prompt_tokens"] as? Int ?? 0) }
        let cached = served.reduce(0) { $0 + ($1["cached_tokens"] as? Int ?? 0) }
        return Outcome(
            seconds: run.seconds, hitRate: prompt > 0 ? Double(cached) / Double(prompt) : 0,
            rateLimited: entries.filter { $0["status"] as? Int == 429 }.count, calls: served.count)
    }
}
