import Foundation
import Logging
import PostgresNIO
import PostgresStore
import QueueStore

/// The PostgreSQL store next to SQLite, measured in the same run on the same machine: claim + complete
/// through the store (one worker, then four at once, each with its own connections), and `groqbatch work`
/// end to end against the zero-latency simulator (one process, then four on one queue).
///
/// Needs a server: `make bench` runs beside a private one (scripts/with-postgres.sh), whose URL it
/// reads from GROQBATCH_TEST_POSTGRES; each measurement gets a database of its own.
struct PostgresBench {
    let binary: String
    let scratch: String
    let jobs: Int
    let endToEndJobs: Int
    let concurrency = 64
    let model = "bench/unlimited"

    func run(_ report: BenchReport) async throws {
        guard let adminText = ProcessInfo.processInfo.environment["GROQBATCH_TEST_POSTGRES"] else {
            report.emit("== postgres: skipped (no server; make bench starts one with scripts/with-postgres.sh) ==")
            return
        }
        let admin = try PostgresURL(adminText)
        if ProcessInfo.processInfo.environment["PROBE"] != nil {
            try await withDatabase(admin, adminText) { url, _ in
                let store = try await PostgresJobStore(url: url, logger: Self.quiet)
                for sql in ["SELECT 1", "SELECT status, lease_owner, claim_token, request_key, prefix_key FROM jobs WHERE id = ?"] {
                    let (_, seconds) = try await measureAsync {
                        try await store.engine.write { db in for i in 0..<5000 { _ = try db.rows(sql, sql.contains("?") ? [i] : []) } }
                    }
                    report.emit("probe \(sql.prefix(20)): \(Int(seconds / 5000 * 1e6)) us per statement")
                }
                await store.shutdown()
            }
            return
        }
        report.emit("== postgres next to sqlite (\(jobs) jobs claimed and completed 256 at a time; \(endToEndJobs) jobs end to end) ==")
        for workers in [1, 4] {
            let path = scratch + "/claims-\(workers).sqlite"
            let sqlite = try await claimAndComplete(workers: workers) { try SQLiteJobStore(path: path) }
            let postgres = try await withDatabase(admin, adminText) { url, _ in
                try await claimAndComplete(workers: workers) { try await PostgresJobStore(url: url, logger: Self.quiet) }
            }
            let label = workers == 1 ? "one worker" : "\(workers) workers at once"
            report.add("claim+complete, sqlite, \(label)", sqlite, "jobs/s")
            report.add(
                "claim+complete, postgres, \(label)", postgres, "jobs/s",
                ratio: String(
                    format: "%.2fx sqlite's; River quotes 46000 jobs/s on an 8-core laptop, this machine has %d cores", postgres / sqlite,
                    ProcessInfo.processInfo.activeProcessorCount))
        }

        let config = scratch + "/pg-sim.json"
        try #"{"speed_factor": 0, "queue_delay": 0, "models": [{"id": "\#(model)", "tokens_per_second": 1000000}]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let simulator = try SimulatorProcess(binary: binary, configPath: config)
        defer { simulator.stop() }
        let catalog = scratch + "/pg-catalog.json"
        try #"{"models": [{"id": "\#(model)", "max_output": 64}]}"#.write(toFile: catalog, atomically: true, encoding: .utf8)
        for processes in [1, 4] {
            let sqlitePath = scratch + "/pg-e2e-\(processes).sqlite"
            let sqlite = try await endToEnd(
                db: sqlitePath, store: try SQLiteJobStore(path: sqlitePath), processes: processes, simulator: simulator, catalog: catalog)
            let postgres = try await withDatabase(admin, adminText) { url, text in
                try await endToEnd(
                    db: text, store: try await PostgresJobStore(url: url, logger: Self.quiet), processes: processes, simulator: simulator, catalog: catalog)
            }
            let label = processes == 1 ? "one process" : "\(processes) processes"
            report.add("end to end, sqlite, \(label)", sqlite, "jobs/s")
            report.add("end to end, postgres, \(label)", postgres, "jobs/s", ratio: String(format: "%.2fx sqlite's", postgres / sqlite))
        }
    }

    static let quiet: Logger = {
        var logger = Logger(label: "groqbatch.bench.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// Jobs per second for `workers` stores (each its own connections, as separate processes would
    /// have) draining one queue of `jobs` together.
    private func claimAndComplete(workers: Int, open: @escaping @Sendable () async throws -> any QueueDatabase) async throws -> Double {
        let filler = try await open()
        try await QueueBench.fill(filler, jobs: jobs)
        let stores = try await (0..<workers).asyncMap { _ in try await open() }
        let (done, seconds) = try await measureAsync {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask { try await QueueBench.drain(store, workerID: "bench-\(index)") }
                }
                return try await group.reduce(0, +)
            }
        }
        for store in stores + [filler] { await (store as? PostgresJobStore)?.shutdown() }
        guard done == jobs else { throw BenchError("completed \(done) of \(jobs)") }
        return Double(done) / seconds
    }

    /// Jobs per second for `processes` `groqbatch work` processes draining one queue.
    private func endToEnd(db: String, store: any QueueDatabase, processes: Int, simulator: SimulatorProcess, catalog: String) async throws -> Double {
        try await BenchQueue.add(endToEndJobs, to: BatchSpec(name: "e2e", source: "bench", models: [model]), in: store) { index in
            NewJob(
                line: index, customID: "e2e-\(index)", requestJSON: #"{"max_tokens":32,"messages":[{"content":"End to end prompt \#(index)","role":"user"}]}"#,
                models: [model], promptCharacters: 24, maxTokens: 32)
        }
        let arguments = [
            "work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--concurrency", "\(concurrency)", "--log-level", "error", "--catalog", catalog,
        ]
        let scratch = self.scratch
        let (outcomes, seconds) = await measureAsync {
            await withTaskGroup(of: Result<ChildProcess.Outcome, any Error>.self) { group in
                for index in 0..<processes {
                    group.addTask {
                        // Each child is waited for on a thread of its own, not one of the cooperative pool's.
                        await withCheckedContinuation { continuation in
                            DispatchQueue.global().async {
                                continuation.resume(
                                    returning: Result {
                                        try ChildProcess.run(
                                            binary, arguments, stdoutPath: scratch + "/pg-work-\(index).out", environment: ["GROQ_API_KEY": "sim-key"])
                                    })
                            }
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        for outcome in outcomes {
            let run = try outcome.get()
            guard run.status == 0 else { throw BenchError("work exited \(run.status) on \(db.hasPrefix("postgres") ? "postgres" : "sqlite")") }
        }
        let done = try await store.countsByStatus(batch: nil)[.succeeded] ?? 0
        await (store as? PostgresJobStore)?.shutdown()
        guard done == endToEndJobs else { throw BenchError("only \(done) of \(endToEndJobs) jobs succeeded") }
        return Double(endToEndJobs) / seconds
    }

    /// Runs `body` with a new database (its URL, and the URL as text with the password for a child
    /// process), dropped after.
    private func withDatabase<T>(_ admin: PostgresURL, _ adminText: String, _ body: (PostgresURL, String) async throws -> T) async throws -> T {
        let name = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try await Self.adminQuery(admin, "CREATE DATABASE \(name)")
        var url = admin
        url.database = String(name)
        var components = URLComponents(string: adminText)!
        components.path = "/\(name)"
        let result: Result<T, any Error>
        do { result = .success(try await body(url, components.string!)) } catch { result = .failure(error) }
        try? await Self.adminQuery(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        return try result.get()
    }

    private static func adminQuery(_ admin: PostgresURL, _ sql: String) async throws {
        let client = PostgresClient(configuration: try admin.configuration(), backgroundLogger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: quiet)
        }
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
