import Foundation
import TestSupport
import Testing

/// The mistakes people make in their first hour, each answered by one clear line.
struct NewcomerMistakeTests {
    let directory = TemporaryDirectory("mistakes")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String], input: String? = nil) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments, input: input, environment: ["GROQBATCH_DB": db], directory: directory.url.path)
    }

    func sql(_ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aModelIDWithATypoImportsWithAWarningNamingTheClosestKnownID() async throws {
        let file = directory.write("p.jsonl", #"{"prompt":"a"}"# + "\n" + #"{"prompt":"b","model":"qwen/qwen3.6-27b"}"#)
        let typo = try await run(["import", file, "--model", "openai/gpt-oss-20", "--max-tokens", "10"])
        #expect(typo.status == 0, "a model the catalog lacks is not bad input: \(typo.stderr)")
        #expect(typo.stdout.contains("2 jobs imported"))
        let warnings = typo.stderr.split(separator: "\n").filter { $0.contains("openai/gpt-oss-20'") }
        #expect(warnings.count == 1, "\(typo.stderr)")
        #expect(warnings.first?.contains("did you mean 'openai/gpt-oss-20b'?") == true, "\(typo.stderr)")
        #expect(!typo.stderr.contains("qwen/qwen3.6-27b'"), "a known model gets no warning")
        // Known ids, and the provider's own list once stored, get none.
        let known = try await run(["import", file, "--batch", "ok", "--model", "openai/gpt-oss-20b", "--max-tokens", "10"])
        #expect(known.status == 0 && !known.stderr.contains("warning: model"), "\(known.stderr)")
    }

    @Test func aCSVFileIsNamedOnceAndNothingIsImported() async throws {
        let rows = (1...50).map { "\($0),\"a question, with a comma\"" }.joined(separator: "\n")
        let file = directory.write("tickets.csv", "id,question\n" + rows + "\n")
        let result = try await run(["import", file, "--model", "openai/gpt-oss-20b"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 2, "one line for the file and the verdict, not one per row: \(result.stderr)")
        #expect(lines.first?.hasPrefix("\(file):1: file: this looks like a CSV table, not JSON lines") == true, "\(result.stderr)")
        #expect(try sql("SELECT COUNT(*) FROM jobs") == "0")
        let tsv = directory.write("t.tsv", "id\tquestion\n1\thello\n")
        #expect(try await run(["import", tsv, "--model", "m"]).stderr.contains("this looks like a TSV table"))
        // A JSONL file with one broken line is still reported per line, as before.
        let broken = directory.write("b.jsonl", #"{"prompt":"ok"}"# + "\n" + "not json, at all\n")
        let reported = try await run(["import", broken, "--model", "m"])
        #expect(reported.status == 1 && reported.stderr.contains("b.jsonl:2:") && !reported.stderr.contains("CSV"), "\(reported.stderr)")
    }

    @Test func anUnknownCommandIsNamedWithTheClosestOne() async throws {
        let result = try await run(["statsu", "--db", db])
        #expect(result.status == 64)
        #expect(result.stderr == "groqbatch: unknown command 'statsu'; did you mean 'status'? (groqbatch --help lists the commands)\n")
        let far = try await run(["frobnicate"])
        #expect(far.stderr.contains("unknown command 'frobnicate' (groqbatch --help"), "no guess when nothing is close: \(far.stderr)")
        #expect(try await run(["stats", "--create"]).status == 0, "real commands still run")
    }

    @Test func limitsTakeTheSameProviderOptionAsWorkWithTheOldNameAsAnAlias() async throws {
        let url = "http://127.0.0.1:9/openai/v1"
        #expect(try await run(["init"]).status == 0)
        let set = try await run(["limits", "set", "--base-url", url + "/", "--model", "m", "--rpm", "5"])
        #expect(set.status == 0, "\(set.stderr)")
        let alias = try await run(["limits", "set", "--provider", url, "--model", "m", "--tpm", "50"])
        #expect(alias.status == 0, "\(alias.stderr)")
        #expect(try sql("SELECT DISTINCT provider FROM budgets") == url, "one provider, with or without its trailing slash")
        let shown = try await run(["limits", "--base-url", url, "--json"])
        #expect(shown.status == 0 && shown.stdout.contains(#""provider" : "http://127.0.0.1:9/openai/v1""#), "\(shown.stdout)\(shown.stderr)")
    }

    @Test func cancelTakesACustomIDWithTheBatchToDisambiguate() async throws {
        let file = directory.write("c.jsonl", #"{"custom_id":"ticket-7","prompt":"a"}"# + "\n" + #"{"custom_id":"ticket-8","prompt":"b"}"#)
        #expect(try await run(["import", file, "--batch", "one", "--model", "m"]).status == 0)
        #expect(try await run(["import", file, "--batch", "two", "--model", "m"]).status == 0)
        let ambiguous = try await run(["cancel", "--job", "ticket-7"])
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains("custom_id 'ticket-7' is in 2 batches ('one', 'two'): add --batch"), "\(ambiguous.stderr)")
        let one = try await run(["cancel", "--job", "ticket-7", "--batch", "two"])
        #expect(one.status == 0 && one.stdout.contains("job ticket-7 cancelled"), "\(one.stderr)")
        #expect(try sql("SELECT b.name || ':' || j.custom_id FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.status = 'cancelled'") == "two:ticket-7")
        let missing = try await run(["cancel", "--job", "ticket-9"])
        #expect(missing.status == 1 && missing.stderr.contains("no job with custom_id 'ticket-9'"))
        let byID = try await run([
            "cancel", "--job", try sql("SELECT id FROM jobs WHERE custom_id = 'ticket-8' AND batch_id = (SELECT id FROM batches WHERE name = 'one')"),
        ])
        #expect(byID.status == 0, "the numeric id still works: \(byID.stderr)")
    }

    @Test func jsonOutputKeepsSlashesAndWritesCostsAsDecimals() async throws {
        let file = directory.write("j.jsonl", #"{"prompt":"a short prompt"}"#)
        #expect(try await run(["import", file, "--model", "qwen/qwen3.6-27b", "--max-tokens", "7"]).status == 0)
        let plan = try await run(["plan", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains(#""model" : "qwen/qwen3.6-27b""#), "\(plan.stdout)")
        #expect(!plan.stdout.contains(#"\/"#))
        #expect(plan.stdout.range(of: #"\d[eE][-+]?\d"#, options: .regularExpression) == nil, "no exponents: \(plan.stdout)")
        #expect(try sql("SELECT models FROM jobs") == #"["qwen/qwen3.6-27b"]"#, "the database's JSON too")
    }
}
