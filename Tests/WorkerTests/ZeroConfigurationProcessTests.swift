import Foundation
import GroqSimulator
import TestSupport
import Testing

/// A new user's first run: no `limits set`, no catalog file, only `import` and `work --drain`, against
/// accounts above, at and below the catalog's tier and a server with no limits at all. Each runs a
/// simulator and the worker in processes of their own, and measures from the simulator's request log.
struct ZeroConfigurationProcessTests {
    static let model = "openai/gpt-oss-20b"

    /// One run: the simulator with `limits` for the catalog's gpt-oss-20b, `jobs` imported, `workers`
    /// worker processes draining the queue.
    struct Run {
        /// Kept for the run's life: the directory goes when the last reference does.
        var directory: TemporaryDirectory
        var entries: [RequestLogEntry]
        var db: String
        var workerOutput: [String]

        /// Answered calls, by the instant each started at the simulator.
        var served: [RequestLogEntry] { entries.filter { $0.status == 200 && $0.endpoint == nil } }
        var refusals: [String: Int] {
            Dictionary(grouping: entries.filter { $0.status == 429 }, by: { $0.limit ?? "?" }).mapValues(\.count)
        }
        func started(_ entry: RequestLogEntry) -> Double { entry.time - (entry.latency ?? 0) }

        func sql(_ query: String) throws -> String {
            try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The earliest the last call could have started under a rolling window of `limit` per minute,
        /// had every call been free at the start (the initial burst credited): calls go in log order,
        /// each as soon as the window holds its amount.
        func optimalLastStart(limit: Int, amount: (RequestLogEntry) -> Int) -> Double {
            var window: [(at: Double, amount: Int)] = []
            var now = 0.0
            for entry in served.sorted(by: { started($0) < started($1) }) {
                let cost = amount(entry)
                while true {
                    window.removeAll { $0.at + 60 <= now }
                    if window.reduce(0, { $0 + $1.amount }) + cost <= limit { break }
                    now = window.map(\.at).min()! + 60
                }
                window.append((now, cost))
            }
            return now
        }

        /// The optimum over the real run's last start: 1 is as fast as the provider's limit allows.
        func utilization(limit: Int, amount: (RequestLogEntry) -> Int) -> Double {
            let starts = served.map(started)
            let actual = starts.max()! - starts.min()!
            return optimalLastStart(limit: limit, amount: amount) / actual
        }
    }

    static func run(
        _ name: String, limits: (rpm: Int, rpd: Int, tpm: Int, tpd: Int), queueDelay: Double = 0.05, jobs: [String],
        workers: Int = 1, concurrency: Int = 32
    ) async throws -> Run {
        let directory = TemporaryDirectory(name)
        let log = directory.path("requests.jsonl")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "queue_delay": \(queueDelay), "models": [{"id": "\(model)", "context_window": 131072,
                 "max_output": 65536, "rpm": \(limits.rpm), "rpd": \(limits.rpd), "tpm": \(limits.tpm), "tpd": \(limits.tpd),
                 "tokens_per_second": 1000}]}
                """, requestLog: log, in: directory)
        let db = directory.path("queue.sqlite")
        let imported = try await CommandRun.groqbatchAwaiting(
            ["import", "-", "--db", db, "--batch", name, "--model", model], input: jobs.joined(separator: "\n"))
        #expect(imported.status == 0, "\(imported.stderr)")
        let processes = try (0..<workers).map { index in
            try BackgroundProcess(
                groqbatch: ["work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--concurrency", "\(concurrency)", "--log-level", "error"],
                environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("worker-\(index).log"))
        }
        for process in processes {
            let status = await process.wait(timeout: 400)
            #expect(status == 0, "\(process.output)")
        }
        await simulator.stop()
        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        return Run(directory: directory, entries: entries, db: db, workerOutput: processes.map(\.output))
    }

    /// A job line: a prompt of about `words` tokens at the simulator, and `max_tokens` unless nil.
    static func job(_ n: Int, words: Int, maxTokens: Int?) -> String {
        let prompt = "Job \(n): " + String(repeating: "alpha ", count: words)
        return #"{"custom_id":"j\#(n)","prompt":"\#(prompt)"\#(maxTokens.map { #","max_tokens":\#($0)"# } ?? "")}"#
    }

    static func tokens(_ entry: RequestLogEntry) -> Int { (entry.promptTokens ?? 0) + (entry.completionTokens ?? 0) }

    @Test func twoWorkersBelowTheCatalogShareWhatOneOfThemLearns() async throws {
        // Half the catalog's limits (an organization others share): the headers scale the guesses down,
        // and requests per minute, never in headers, are probed once for both workers.
        let jobs = (1...37).map { Self.job($0, words: 20, maxTokens: 16) }
        let run = try await Self.run("shared", limits: (15, 500, 4_000, 100_000), jobs: jobs, workers: 2, concurrency: 8)
        #expect(try run.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|37")
        let refused = run.refusals.values.reduce(0, +)
        #expect(Double(refused) <= 0.03 * Double(run.served.count + refused) + 0.2, "at most 3 per 100 requests: \(run.refusals)")
        #expect((run.refusals["RPM"] ?? 0) <= 1, "the second worker pays no 429 for what the first learned: \(run.refusals)")
        let utilization = run.utilization(limit: 15, amount: { _ in 1 })
        let origin = run.entries.map(\.time).min() ?? 0
        print("below the catalog: " + run.entries.map { "\(String(format: "%.1f", run.started($0) - origin))/\($0.status)" }.joined(separator: " "))
        print("below the catalog: utilization \(String(format: "%.3f", utilization)) of RPM, 429s \(run.refusals)")
        #expect(utilization >= 0.9, "\(utilization)")
    }
}

extension ZeroConfigurationProcessTests {
    /// The two runs that go as fast as the worker can (the paid tier's first burst, the server without
    /// limits), one at a time so that neither measures its speed against the other's calls on the same
    /// two cores, and late in the suite, once most of its other processes are done: the catalog's tier
    /// first (two and a half minutes of a worker that mostly waits for its minute), then the paid tier,
    /// then the server without limits.
    @Suite(.serialized)
    struct AsFastAsTheWorkerCan {
        @Test func theCatalogsOwnTierRunsAtItsLimitWithNo429() async throws {
            // Exactly the catalog's limits: RPM binds. 75 jobs: 30 at once, 30 a minute later, 15 after that.
            let jobs = (1...75).map { ZeroConfigurationProcessTests.job($0, words: 20, maxTokens: 16) }
            let run = try await ZeroConfigurationProcessTests.run("tier", limits: (30, 1_000, 8_000, 200_000), jobs: jobs)
            #expect(try run.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|75")
            #expect(run.refusals.isEmpty, "\(run.refusals)")
            let utilization = run.utilization(limit: 30, amount: { _ in 1 })
            print("catalog tier: utilization \(String(format: "%.3f", utilization)) of RPM")
            #expect(utilization >= 0.95, "\(utilization)")
            #expect(try run.sql("SELECT guess FROM budgets WHERE kind = 'rpm'") == "tier")
        }

        @Test func aPaidTierIsUsedAtItsRealLimitsWithoutConfiguration() async throws {
            // 40 times the catalog's limits; the headers state TPM and RPD, never RPM or TPD. About 2.5
            // minutes' worth of tokens per minute: TPM binds, and the optimum is 120 s.
            let jobs = (1...600).map { ZeroConfigurationProcessTests.job($0, words: 1_300, maxTokens: $0 % 10 == 0 ? nil : 16) }
            let run = try await ZeroConfigurationProcessTests.run("paid", limits: (1_200, 40_000, 320_000, 8_000_000), jobs: jobs)
            #expect(try run.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|600")
            #expect(run.refusals.values.allSatisfy { $0 <= 1 }, "at most one 429 per limit: \(run.refusals)")
            let utilization = run.utilization(limit: 320_000, amount: ZeroConfigurationProcessTests.tokens)
            print("paid tier: \(run.served.count) calls, utilization \(String(format: "%.3f", utilization)) of TPM, 429s \(run.refusals)")
            #expect(utilization >= 0.9, "\(utilization)")
            // The stated limits are taken; the others follow the tier the headers showed (requests per
            // minute may have been probed further while they bound, and never cost a 429).
            let standing = try run.sql("SELECT kind, limit_value, COALESCE(guess, source) FROM budgets WHERE kind != 'rpm' ORDER BY kind")
            #expect(standing == "rpd|40000|header\ntpd|8000000|scaled\ntpm|320000|header", "\(standing)")
            let rpm = try run.sql("SELECT limit_value >= 1200, guess IN ('scaled', 'probing') FROM budgets WHERE kind = 'rpm'")
            #expect(rpm == "1|1", "\(rpm)")
            // `limits` says which are firm and what happens to the others.
            let shown = try await CommandRun.groqbatchAwaiting(["limits", "--db", run.db, "--json"])
            let meters = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]])
            let standings = Dictionary(meters.map { ($0["kind"] as? String ?? "?", $0["standing"] as? String ?? "?") }, uniquingKeysWith: { $1 })
            #expect(standings["tpm"] == "learned" && standings["rpd"] == "learned" && standings["tpd"] == "scaled", "\(standings)")
            #expect(["scaled", "probing"].contains(standings["rpm"] ?? ""), "\(standings)")
        }

        @Test func aServerWithoutLimitsRunsAtTheWorkersConcurrency() async throws {
            // No limits and no rate-limit headers (a local vLLM, a proxy): after the first answer nothing is
            // assumed, and 64 calls are out at a time.
            let jobs = (1...600).map { ZeroConfigurationProcessTests.job($0, words: 20, maxTokens: 16) }
            let run = try await ZeroConfigurationProcessTests.run("unlimited", limits: (0, 0, 0, 0), queueDelay: 0.5, jobs: jobs, concurrency: 64)
            #expect(try run.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|600")
            let capacity = run.served.reduce(0.0) { $0 + ($1.latency ?? 0) } / 64
            let first = run.served.map(run.started).min()!
            let last = run.served.map(\.time).max()!
            let share = capacity / (last - first)
            print("no limits: \(String(format: "%.2f", share)) of the simulator's capacity at concurrency 64")
            #expect(share >= 0.5, "\(share)")
            #expect(try run.sql("SELECT COUNT(*) FROM budgets WHERE limit_value IS NOT NULL") == "0")
        }
    }
}
