import Foundation
import QueueStore
import Scheduler

/// The meters at volume. A claim and a record read every meter of the claimed model; a meter's window
/// must cost the same however many calls it counts, or a busy day slows the worker down as it goes.
///
/// (a) claim + record of one job, on a database whose day log already counts a million calls (as the
/// buckets a day at that rate leaves: per second for the minute meters, per five minutes for the
/// day meters), against the same on an empty log; the day meters at 91% of their limit, so admission
/// reads their windows bucket by bucket.
/// (b) the worker's CPU per job, near its daily limit, at 1,000 and at 10,000 jobs.
struct MeterBench {
    let binary: String
    let scratch: String
    let quick: Bool

    static let provider = "https://bench.invalid/openai/v1"
    static let model = "bench/metered"

    func run(_ report: BenchReport) async throws {
        report.emit("== meters at volume ==")
        let cycles = quick ? 500 : 2_000
        let empty = try await claimAndRecord(history: false, cycles: cycles)
        let full = try await claimAndRecord(history: true, cycles: cycles)
        report.add("claim+record, empty log", empty * 1000, "ms", ratio: "\(cycles) cycles of one job each")
        report.add(
            "claim+record, a million spends today", full * 1000, "ms",
            ratio: String(format: "target <= 1.5x the empty log: %.2fx", full / empty))
        let small = try await workerCPU(jobs: 1_000)
        let large = try await workerCPU(jobs: quick ? 4_000 : 10_000)
        report.add("worker CPU per job near a limit, 1,000 jobs", small * 1000, "ms")
        report.add(
            "worker CPU per job near a limit, \(quick ? "4,000" : "10,000") jobs", large * 1000, "ms",
            ratio: String(format: "target <= 1.5x the 1,000-job run: %.2fx", large / small))
    }

    /// Seconds per claim + record cycle.
    func claimAndRecord(history: Bool, cycles: Int) async throws -> Double {
        let db = scratch + "/meters-\(history ? "full" : "empty").sqlite"
        let store = try BenchQueue.open(db)
        try await BenchQueue.add(cycles + 1, to: BatchSpec(name: "meters", source: "bench", models: [Self.model]), in: store) { index in
            NewJob(
                line: index, customID: "m\(index)",
                requestJSON: #"{"max_tokens":16,"messages":[{"content":"Metered prompt \#(index)","role":"user"}]}"#,
                models: [Self.model], promptCharacters: 20, maxTokens: 16)
        }
        try await store.setLimits(
            provider: Self.provider, model: Self.model,
            limits: [
                .rpm: 10_000_000, .tpm: 1_000_000_000, .rpd: 1_100_000, .tpd: 33_000_000,
            ], now: Date())
        let context = BudgetContext(provider: Self.provider, catalog: ModelCatalog(entries: [.init(id: Self.model, maxOutput: 64)], source: .catalog))
        let now = Date()
        // One cycle creates the meters; the history goes in next to it.
        try await cycle(store, context: context, at: now)
        if history {
            let end = Int(now.timeIntervalSince1970.rounded(.down))
            // A million calls in the last day: 11.6 a second, of 30 tokens each, in the buckets the
            // store keeps (five minutes for day meters; a second for minute meters, of which a worker's
            // pruning every heartbeat leaves the last two minutes).
            _ = try ChildProcess.sqlite(
                db,
                """
                WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 119)
                INSERT INTO budget_spends (budget_id, at, amount, job_id, open)
                SELECT b.id, \(end) - s.i - 1, CASE b.kind WHEN 'rpm' THEN 12 ELSE 347 END, NULL, 0
                FROM s, budgets b WHERE b.kind IN ('rpm', 'tpm')
                ON CONFLICT (budget_id, at) WHERE open = 0 DO UPDATE SET amount = amount + excluded.amount;
                WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 287)
                INSERT INTO budget_spends (budget_id, at, amount, job_id, open)
                SELECT b.id, \((end / 300) * 300) - s.i * 300, CASE b.kind WHEN 'rpd' THEN 3472 ELSE 104167 END, NULL, 0
                FROM s, budgets b WHERE b.kind IN ('rpd', 'tpd')
                ON CONFLICT (budget_id, at) WHERE open = 0 DO UPDATE SET amount = amount + excluded.amount;
                """)
        }
        let ((), seconds) = try await measureAsync { () async throws in
            for index in 0..<cycles {
                try await cycle(store, context: context, at: now.addingTimeInterval(Double(index) * 0.001))
            }
        }
        return seconds / Double(cycles)
    }

    func cycle(_ store: any QueueDatabase, context: BudgetContext, at now: Date) async throws {
        let claimed = try await store.claim(workerID: "bench", limit: 1, leaseDuration: 60, batch: nil, now: now, budget: context)
        guard let job = claimed.jobs.first else { throw BenchError("nothing claimed") }
        let observation = ProviderObservation(
            provider: Self.provider, model: Self.model, tokensPerMinute: .init(limit: 1_000_000_000, remaining: 1_000_000_000, resetIn: 0.1),
            promptCharacters: 20, promptTokens: 8,
            totalTokens: 24)
        let outcome = JobOutcome(
            jobID: job.id,
            attempt: AttemptRecord(
                model: Self.model, startedAt: now, finishedAt: now, httpStatus: 200, outcome: .success, promptTokens: 8, completionTokens: 16,
                requestID: "req_1"),
            transition: .succeed(
                JobResult(
                    model: Self.model, content: "answer", finishReason: "stop", promptTokens: 8, completionTokens: 16, totalTokens: 24,
                    responseID: "chatcmpl-1", requestID: "req_1", rawResponse: "{}")),
            observation: observation, claimToken: job.claimToken)
        _ = try await store.record([outcome], workerID: "bench", now: now)
    }

    /// The worker's CPU seconds per job, draining `jobs` against the simulator whose daily request limit
    /// the run brings to 90%.
    func workerCPU(jobs: Int) async throws -> Double {
        let folder = scratch + "/meters-cpu-\(jobs)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let rpd = jobs * 10 / 9
        let limits = #""rpm": 1000000, "rpd": \#(rpd), "tpm": 100000000, "tpd": 1000000000"#
        try #"{"speed_factor": 0, "queue_delay": 0, "models": [{"id": "\#(Self.model)", "max_output": 64, \#(limits), "tokens_per_second": 1000000}]}"#
            .write(toFile: folder + "/sim.json", atomically: true, encoding: .utf8)
        try #"{"models": [{"id": "\#(Self.model)", "max_output": 64, \#(limits)}]}"#
            .write(toFile: folder + "/catalog.json", atomically: true, encoding: .utf8)
        let simulator = try SimulatorProcess(binary: binary, configPath: folder + "/sim.json")
        defer { simulator.stop() }
        let db = folder + "/queue.sqlite"
        let store = try BenchQueue.open(db)
        try await BenchQueue.add(jobs, to: BatchSpec(name: "cpu", source: "bench", models: [Self.model]), in: store) { index in
            return NewJob(
                line: index, customID: "c\(index)",
                requestJSON: #"{"max_tokens":16,"messages":[{"content":"Metered prompt \#(index)","role":"user"}]}"#,
                models: [Self.model], promptCharacters: 20, maxTokens: 16)
        }
        let run = try ChildProcess.run(
            binary,
            [
                "work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--concurrency", "256", "--log-level", "error",
                "--catalog", folder + "/catalog.json",
            ],
            stdoutPath: folder + "/work.out", environment: ["GROQ_API_KEY": "sim-key"])
        guard run.status == 0 else { throw BenchError("work exited \(run.status)") }
        let done = try await store.countsByStatus(batch: nil)[.succeeded] ?? 0
        guard done == jobs else { throw BenchError("only \(done) of \(jobs) jobs succeeded") }
        return run.cpuSeconds / Double(jobs)
    }
}
