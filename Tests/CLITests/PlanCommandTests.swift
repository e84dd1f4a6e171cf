import Foundation
import TestSupport
import Testing

/// `groqbatch plan` on a queue no worker has touched: what it counts, under which model, and what it flags.
struct PlanCommandTests {
    let directory = TemporaryDirectory("plan")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments + ["--db", db], directory: directory.url.path)
    }

    func plan() async throws -> [String: Any] {
        let result = try await run(["plan", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func models(_ plan: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: ((plan["models"] as? [[String: Any]]) ?? []).map { ($0["model"] as? String ?? "", $0) })
    }

    @Test func jobsAskingMoreOutputThanTheModelAllowsAreFlaggedAndNotCounted() async throws {
        // The built-in catalog allows openai/gpt-oss-20b 65,536 output tokens.
        let small = directory.write("small.jsonl", (1...8).map { #"{"prompt":"p\#($0)"}"# }.joined(separator: "\n"))
        let huge = directory.write("huge.jsonl", (1...4).map { #"{"prompt":"h\#($0)"}"# }.joined(separator: "\n"))
        #expect(try await run(["import", small, "--model", "openai/gpt-oss-20b", "--max-tokens", "100"]).status == 0)
        #expect(try await run(["import", huge, "--model", "openai/gpt-oss-20b", "--max-tokens", "100000"]).status == 0)
        let model = try #require(models(try await plan())["openai/gpt-oss-20b"])
        #expect(model["requests"] as? Int == 12)
        #expect(model["over_output_limit"] as? Int == 4)
        #expect(model["completion_tokens"] as? Int == 800, "the refused jobs' 400,000 tokens are not planned")
        let text = try await run(["plan"]).stdout
        #expect(text.contains("warning: 4 jobs ask openai/gpt-oss-20b for more output than it allows"), "\(text)")
    }

    @Test func jobsOnARetiredModelArePlannedUnderTheModelTheyWillCall() async throws {
        // The built-in catalog marks llama-3.3-70b-versatile decommissioned: claims move its jobs on.
        let file = directory.write("r.jsonl", (1...5).map { #"{"prompt":"r\#($0)"}"# }.joined(separator: "\n"))
        #expect(try await run(["import", file, "--model", "llama-3.3-70b-versatile", "--fallback", "qwen/qwen3.6-27b", "--max-tokens", "10"]).status == 0)
        let alone = directory.write("alone.jsonl", #"{"prompt":"x"}"#)
        #expect(try await run(["import", alone, "--model", "llama-3.3-70b-versatile", "--max-tokens", "10"]).status == 0)
        let planned = models(try await plan())
        #expect(planned["llama-3.3-70b-versatile"] == nil, "\(planned.keys)")
        #expect(planned["qwen/qwen3.6-27b"]?["requests"] as? Int == 5)
        #expect(planned["(no usable model left)"]?["requests"] as? Int == 1)
    }

    @Test func aPlanWithARunWindowStartsWhenTheWindowOpens() async throws {
        let file = directory.write("w.jsonl", #"{"prompt":"x"}"#)
        #expect(try await run(["import", file, "--model", "openai/gpt-oss-20b", "--max-tokens", "10"]).status == 0)
        // A one-minute window that opened a minute ago is closed now, and opens again in about 23 h 58 min.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(-120))
        let end = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(-60))
        let window = String(format: "%02d:%02d-%02d:%02d", parts.hour!, parts.minute!, end.hour!, end.minute!)
        let result = try await run(["plan", "--window", window, "--time-zone", "UTC"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("starts:   now"), "\(result.stdout)")
        #expect(result.stdout.contains("(the first run window opens)"), "\(result.stdout)")
    }
}
