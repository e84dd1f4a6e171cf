import Foundation
import GroqSimulator
import TestSupport
import Testing

/// Issue 21's figures as process tests against the simulator: a TPM-bound template run is at least
/// twice as fast when the worker orders for the prompt cache and counts cached tokens as the provider
/// does, and identical requests are sent once.
struct CacheAwareRunProcessTests {
    static let model = "openai/gpt-oss-20b"

    /// Three queues' instructions, chosen per row by its `queue` column: three shared prefixes, each
    /// about 80% of its prompt.
    static let systemTemplate = """
        {{#billing}}You answer billing tickets. Classify urgency as low, normal or high, name the invoice concerned, and say whether a refund applies under the policy of thirty days from purchase.{{/billing}}\
        {{#shipping}}You answer shipping tickets. Classify urgency as low, normal or high, name the carrier concerned, and say whether the parcel is late by the promise made at checkout time.{{/shipping}}\
        {{#returns}}You answer returns tickets. Classify urgency as low, normal or high, name the product concerned, and say whether the return is allowed under the policy of thirty days.{{/returns}}
        """

    struct Run {
        var seconds: Double
        var log: [RequestLogEntry]
        var db: String
        /// Kept while the run's files are read: released, it is removed.
        var directory: TemporaryDirectory
        var rateLimited: Int { log.filter { $0.status == 429 }.count }
        var answered: [RequestLogEntry] { log.filter { $0.status == 200 && $0.endpoint == nil } }
        var hitRate: Double {
            let prompt = answered.reduce(0) { $0 + ($1.promptTokens ?? 0) }
            return prompt > 0 ? Double(answered.reduce(0) { $0 + ($1.cachedTokens ?? 0) }) / Double(prompt) : 0
        }
    }

    /// Imports the rows into a fresh queue and drains it against a simulator of its own (6,000 TPM), in a
    /// directory of its own (the simulator's configuration and output files have fixed names).
    static func run(_ name: String, rows: String, cacheAware: Bool) async throws -> Run {
        let directory = TemporaryDirectory("cache-\(name)")
        let db = directory.path("\(name).sqlite")
        let data = directory.write("\(name).csv", rows)
        let system = directory.write("system.mustache", systemTemplate)
        let template = directory.write("ticket.mustache", "Ticket {{id}}: {{text}}")
        let imported = try await CommandRun.groqbatchAwaiting([
            "import", "--db", db, "--template", template, "--system-template", system, "--data", data, "--id-column", "id",
            "--model", model, "--max-tokens", "4", "--batch", "tickets",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let requests = directory.path("\(name)-requests.jsonl")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "seed": 21, "models": [{"id": "\(model)", "max_output": 1024, "tpm": 6000, "rpm": 10000}]}
                """, requestLog: requests, in: directory)
        let catalog = directory.write(
            "catalog.json",
            #"{"models": [{"id": "\#(model)", "max_output": 1024, "tpm": 6000, "rpm": 10000, "input_price": 0.1, "output_price": 0.4, "prompt_caching": true}]}"#
        )
        let started = Date()
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--concurrency", "64", "--log-level", "error"]
                + (cacheAware ? [] : ["--no-cache-aware"]),
            environment: ["GROQ_API_KEY": "sim-key"])
        let seconds = Date().timeIntervalSince(started)
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")
        let log = try String(contentsOfFile: requests, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        return Run(seconds: seconds, log: log, db: db, directory: directory)
    }

    static func sql(_ db: String, _ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.timeLimit(.minutes(8)))
    func orderingForTheCacheMakesATPMBoundTemplateRunAtLeastTwiceAsFast() async throws {
        // 300 rows in random order across the three queues (a fixed shuffle, so runs compare).
        var generator = SeededRandom(state: 2121)
        let queues = ["billing", "shipping", "returns"]
        let rows = generator.shuffled((1...300).map { n in (n, queues[n % 3]) })
        let csv =
            "id,billing,shipping,returns,text\n"
            + rows.map { n, queue in "t\(n),\(queue == "billing" ? "y" : ""),\(queue == "shipping" ? "y" : ""),\(queue == "returns" ? "y" : ""),order \(n)" }
            .joined(separator: "\n") + "\n"
        // Both at once, each against its own simulator: the slow one bounds the test's time.
        async let aware = Self.run("aware", rows: csv, cacheAware: true)
        async let naive = Self.run("naive", rows: csv, cacheAware: false)
        let (fast, slow) = try await (aware, naive)

        for run in [fast, slow] {
            #expect(try Self.sql(run.db, "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") == "300")
            #expect(run.answered.count == 300)
        }
        let shared = fast.answered.compactMap { entry in entry.promptTokens.map { Double(entry.cachedTokens ?? 0) / Double($0) } }.max() ?? 0
        #expect(shared >= 0.75, "the instructions are most of each prompt (a hit reads \(shared) of it)")
        #expect(
            fast.seconds * 2 <= slow.seconds,
            "cache-aware \(fast.seconds) s vs \(slow.seconds) s in queue order without cache accounting; hit rates \(fast.hitRate) vs \(slow.hitRate)")
        print(
            "cache-aware: \(fast.seconds) s, hit rate \(fast.hitRate), \(fast.rateLimited) 429s; queue order: \(slow.seconds) s, hit rate \(slow.hitRate), \(slow.rateLimited) 429s"
        )
        #expect(fast.rateLimited <= slow.rateLimited, "429s: \(fast.rateLimited) cache-aware, \(slow.rateLimited) without")
        // Only the first call of each of the three prefixes is cold.
        #expect(fast.answered.filter { ($0.cachedTokens ?? 0) == 0 }.count == 3)
        // The cost reported is the simulator's log priced with cached tokens at half.
        let expected = fast.answered.reduce(0.0) { total, entry in
            let prompt = Double(entry.promptTokens ?? 0) - Double(entry.cachedTokens ?? 0) / 2
            return total + (prompt * 0.1 + Double(entry.completionTokens ?? 0) * 0.4) / 1_000_000
        }
        let recorded = Double(try Self.sql(fast.db, "SELECT SUM(cost) FROM results")) ?? 0
        #expect(abs(recorded - expected) < 1e-9, "cost \(recorded) vs the log's \(expected)")
        #expect(try Self.sql(fast.db, "SELECT SUM(cached_tokens) FROM results") == "\(fast.answered.reduce(0) { $0 + ($1.cachedTokens ?? 0) })")
    }

    @Test func repeatedRequestsAreSentOnceAndStatsCountWhatThatSaved() async throws {
        let directory = TemporaryDirectory("reuse")
        // 1,000 jobs: 600 distinct deterministic requests and 400 repeating some of them, shuffled.
        let lines = (0..<1_000).map { n in
            #"{"custom_id": "q\#(n)", "temperature": 0, "max_tokens": 16, "prompt": "Question number \#(n < 600 ? n : (n * 7) % 600)"}"#
        }
        var generator = SeededRandom(state: 400)
        let shuffled = generator.shuffled(lines)
        let file = directory.write("questions.jsonl", shuffled.joined(separator: "\n") + "\n")
        let db = directory.path("q.sqlite")
        let imported = try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", Self.model])
        #expect(imported.status == 0, "\(imported.stderr)")
        let requests = directory.path("requests.jsonl")
        let simulator = try await SimulatorProcess(
            configuration: #"{"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "\#(Self.model)", "max_output": 1024}]}"#,
            requestLog: requests, in: directory)
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--concurrency", "32", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"])
        #expect(worked.status == 0, "\(worked.stderr)")

        let calls = try String(contentsOfFile: requests, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }.filter { $0.endpoint == nil }
        #expect(calls.count == 600, "one call per distinct request")
        #expect(Set(calls.map(\.bodyHash)).count == 600, "no request sent twice")
        #expect(try Self.sql(db, "SELECT COUNT(*), SUM(reused_from IS NOT NULL) FROM job_results WHERE status = 'succeeded'") == "1000|400")
        #expect(try Self.sql(db, "SELECT COUNT(*) FROM attempts") == "600")
        // Each copy is its source's answer, and the source asked the same.
        #expect(
            try Self.sql(
                db,
                "SELECT COUNT(*) FROM job_results c JOIN job_results s ON s.job_id = c.reused_from WHERE c.content = s.content AND c.prompt = s.prompt")
                == "400")
        let stats = try await CommandRun.groqbatchAwaiting(["stats", "--db", db]).stdout
        #expect(stats.contains("reused: 400 answers of identical requests, without a call: saved 400 requests"), "\(stats)")

        // The next day's batch asks 100 of the same again: with --reuse none is sent.
        let again = directory.write("again.jsonl", shuffled.prefix(100).joined(separator: "\n") + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", again, "--db", db, "--model", Self.model, "--batch", "again", "--reuse"]).status == 0)
        let rerun = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--drain", "--log-level", "error"], environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let after = try String(contentsOfFile: requests, encoding: .utf8).split(separator: "\n").count
        #expect(after == calls.count, "no call for answers already in the queue")
        #expect(try Self.sql(db, "SELECT COUNT(*) FROM job_results WHERE batch = 'again' AND reused_from IS NOT NULL") == "100")
    }
}
