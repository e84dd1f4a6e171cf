import Foundation
import TestSupport
import Testing

/// `groqbatch import`, `status`, `export`, `cancel` and `retry` run as a user runs them: the real binary.
struct ImportCommandTests {
    let directory = TemporaryDirectory("cli")
    var db: String { directory.path("q.sqlite") }

    static let goodLines = """
        {"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"m1","messages":[{"role":"user","content":"Hello"}],"max_tokens":50}}
        {"messages":[{"role":"user","content":"Hi, there"}],"temperature":0.2}
        {"prompt":"What is 2+2?","custom_id":"p3"}

        """

    func run(_ arguments: [String], input: String? = nil) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments + ["--db", db], input: input, directory: directory.url.path)
    }

    /// Everything a user could see in the file, as text: row counts and contents of every table.
    func snapshot() throws -> String {
        let tables = ["batches", "jobs", "attempts", "results", "workers", "queue_changes"]
        return try tables.map { table in
            try SQLiteShell.run([db, "SELECT COUNT(*) FROM \(table); SELECT * FROM \(table) ORDER BY 1;"]).stdout
        }.joined(separator: "\n--\n")
    }

    @Test func importsEveryFormAndIsIdempotent() async throws {
        let file = directory.write("prompts.jsonl", Self.goodLines)
        let first = try await run(["import", file, "--model", "m0", "--fallback", "m2"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("batch 'prompts': 3 jobs imported"))
        let second = try await run(["import", file, "--model", "m0"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("0 jobs imported, 3 already in the batch"))
        let chains = try SQLiteShell.run([db, "SELECT custom_id, models FROM jobs ORDER BY line"]).stdout
        #expect(chains == "r1|[\"m1\",\"m2\"]\n2|[\"m0\",\"m2\"]\np3|[\"m0\",\"m2\"]\n")
    }

    @Test func standardInputImportsToo() async throws {
        let result = try await run(["import", "-", "--batch", "piped", "--model", "m"], input: Self.goodLines)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("batch 'piped': 3 jobs imported"))
    }

    @Test func aFileWithAByteOrderMarkAndWindowsLineEndsImports() async throws {
        let windows = "\u{FEFF}" + Self.goodLines.replacingOccurrences(of: "\n", with: "\r\n")
        let file = directory.write("excel.jsonl", windows)
        let result = try await run(["import", file, "--model", "m0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("batch 'excel': 3 jobs imported"))
        #expect(try SQLiteShell.run([db, "SELECT custom_id FROM jobs ORDER BY line"]).stdout == "r1\n2\np3\n")
    }

    @Test func anyBadLineImportsNothingAndNamesFileLineAndField() async throws {
        let good = directory.write("good.jsonl", Self.goodLines)
        #expect(try await run(["import", good, "--model", "m"]).status == 0)
        let before = try snapshot()
        let bad = directory.write(
            "bad.jsonl",
            """
            {"prompt":"fine"}
            {"prompt": 3}
            {not json
            {"custom_id":"x","prompt":"a"}
            {"custom_id":"x","prompt":"b"}
            {"prompt":"y","stream":true}
            """)
        _ = bad
        let result = try await run(["import", "bad.jsonl", "--model", "m"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("bad.jsonl:2: prompt: expected a string, found a number"))
        #expect(lines.contains { $0.hasPrefix("bad.jsonl:3: line: malformed JSON") })
        #expect(lines.contains("bad.jsonl:5: custom_id: duplicate 'x', first used on line 4"))
        #expect(lines.contains("bad.jsonl:6: stream: streaming is not supported in a batch; remove it or set false"))
        #expect(lines.last == "groqbatch: bad.jsonl: 4 problems; nothing imported (--skip-invalid imports the valid lines)")
        #expect(try snapshot() == before, "a rejected import must leave the database as it was")
        let skipping = try await run(["import", "bad.jsonl", "--model", "m", "--skip-invalid"])
        #expect(skipping.status == 0)
        #expect(skipping.stdout.contains("2 jobs imported") && skipping.stdout.contains("4 invalid lines skipped"))
    }

    @Test(arguments: [
        (["import", "missing.jsonl", "--model", "m"], "missing.jsonl: cannot read: No such file or directory"),
        (["import", "empty.jsonl", "--model", "m"], "empty.jsonl: file: is empty: no job lines"),
        (["import", "nomodel.jsonl"], "nomodel.jsonl:1: model: missing"),
        (["import", "empty.jsonl", "--max-tokens", "0"], "--max-tokens must be at least 1"),
        (["import", "empty.jsonl", "--not-before", "someday"], "--not-before: cannot read 'someday'"),
        (["status", "--batch", "nope"], "no batch named 'nope'"),
        (["cancel"], "Give --batch, --job, or both (a custom_id within a batch)."),
        (["retry"], "Say which jobs to retry"),
    ])
    func badInvocationsSayWhatIsWrongAndExitNonZero(arguments: [String], message: String) async throws {
        directory.write("empty.jsonl", "\n\n")
        directory.write("nomodel.jsonl", #"{"prompt":"hi"}"#)
        #expect(try await run(["init"]).status == 0)
        let result = try await run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aFileThatIsNotADatabaseIsOneLine() async throws {
        let notes = directory.write("notes.txt", String(repeating: "hello\n", count: 500))
        let result = try await CommandRun.groqbatchAwaiting(["status", "--db", notes])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("notes.txt"))
    }

    @Test func statusExportCancelAndRetryWorkTogether() async throws {
        let file = directory.write("prompts.jsonl", Self.goodLines)
        #expect(try await run(["import", file, "--model", "m0"]).status == 0)
        let json = try await run(["status", "--json"])
        let statuses = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(statuses?.first?["batch"] as? String == "prompts")
        #expect(statuses?.first?["queued"] as? Int == 3)
        let table = try await run(["status"])
        #expect(table.stdout.hasPrefix("BATCH"))
        #expect(try await run(["cancel", "--batch", "prompts"]).stdout.contains("3 jobs cancelled"))
        let exported = try await run(["export", "--output", directory.path("out.jsonl")])
        #expect(exported.status == 0)
        let lines = try String(contentsOfFile: directory.path("out.jsonl"), encoding: .utf8).split(separator: "\n")
        let ids = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.map { $0?["custom_id"] as? String }
        #expect(ids == ["r1", "2", "p3"])
        #expect(lines.allSatisfy { $0.contains(#""code":"cancelled""#) })
        #expect(try await run(["retry", "--cancelled"]).stdout.contains("3 jobs queued again"))
        let csv = try await run(["export", "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").first == "batch,custom_id,status,model,content,prompt_tokens,completion_tokens,total_tokens,error_code,error")
        #expect(csv.stdout.split(separator: "\n").count == 4)
    }

    @Test func theDatabaseFileIsPrivate() async throws {
        #expect(try await run(["init"]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
