import Foundation
import GroqSimulator
import TestSupport
import Testing

/// Prompt-cache hits, read and recorded: jobs sharing long instructions hit the simulator's prefix cache
/// after the first; each result and attempt keeps its cached tokens, the cost counts them at half the
/// input price, `stats` reports them, and the meters give them back as the provider does.
struct PromptCacheProcessTests {
    @Test func cachedTokensAreRecordedPricedAtHalfAndGivenBackToTheMeters() async throws {
        let directory = TemporaryDirectory("prompt-cache")
        let model = "openai/gpt-oss-20b"
        let instructions = String(repeating: "Classify the ticket below by urgency and topic, citing the rule you used. ", count: 12)
        let lines = (1...30).map { n in
            JSONValueText.object([
                "custom_id": "t\(n)", "max_tokens": "24",
                "messages": #"[{"role": "system", "content": \#(JSONValueText.string(instructions))}, {"role": "user", "content": "Ticket \#(n)"}]"#,
            ])
        }
        let file = directory.write("tickets.jsonl", lines.joined(separator: "\n") + "\n")
        let db = directory.path("q.sqlite")
        #expect(try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", model]).status == 0)
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "\(model)", "max_output": 1024, "tpm": 1000000, "rpm": 1000}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let catalog = directory.write(
            "catalog.json", #"{"models": [{"id": "\#(model)", "max_output": 1024, "input_price": 0.1, "output_price": 0.4}]}"#)
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--concurrency", "1", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")

        let log = try String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
            .filter { $0.status == 200 && $0.endpoint == nil }
        #expect(log.count == 30)
        let cached = log.reduce(0) { $0 + ($1.cachedTokens ?? 0) }
        #expect(log.first?.cachedTokens == 0 && cached > 0, "the first call warms the cache, the others hit it")
        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT SUM(cached_tokens) FROM results") == "\(cached)")
        #expect(try sql("SELECT SUM(cached_tokens) FROM attempts") == "\(cached)")
        // Cost: cached prompt tokens at half the input price.
        let expected = log.reduce(0.0) { total, entry in
            let prompt = Double(entry.promptTokens ?? 0)
            let half = Double(entry.cachedTokens ?? 0) / 2
            return total + ((prompt - half) * 0.1 + Double(entry.completionTokens ?? 0) * 0.4) / 1_000_000
        }
        let recorded = Double(try sql("SELECT SUM(cost) FROM results")) ?? 0
        #expect(abs(recorded - expected) < 1e-9, "cost \(recorded) vs \(expected)")
        let stats = try await CommandRun.groqbatchAwaiting(["stats", "--db", db, "--json"]).stdout
        #expect(stats.contains(#""cached_tokens" : \#(cached)"#), "\(stats)")
        // The minute's tokens as the meters booked them: what the provider counts, cached tokens given back.
        let metered = log.reduce(0) { $0 + ($1.promptTokens ?? 0) + ($1.completionTokens ?? 0) - ($1.cachedTokens ?? 0) }
        let booked = try sql("SELECT SUM(s.amount) FROM budget_spends s JOIN budgets b ON b.id = s.budget_id WHERE b.kind = 'tpm'")
        #expect(Int(booked) == metered, "booked \(booked), the provider counted \(metered)")
    }
}

/// JSON text for test lines, written by hand: values given as JSON text already, except strings.
enum JSONValueText {
    static func string(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func object(_ members: [String: String]) -> String {
        "{"
            + members.sorted { $0.key < $1.key }.map { key, value in
                let literal = value.hasPrefix("[") || value.hasPrefix("{") || Int(value) != nil ? value : string(value)
                return string(key) + ": " + literal
            }.joined(separator: ", ") + "}"
    }
}
