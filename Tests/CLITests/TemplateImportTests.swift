import Foundation
import TestSupport
import Testing

/// `import --template --data`: rows in, one job each, and every problem one line naming the data file's
/// line, with nothing imported.
struct TemplateImportTests {
    let directory = TemporaryDirectory("template-import")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String], input: String? = nil) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments + ["--db", db, "--model", "m1"], input: input, directory: directory.url.path)
    }

    func jobCount() throws -> String {
        try SQLiteShell.run([db, "SELECT COUNT(*) FROM jobs"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func rowsBecomeJobsWithTheirInputAndLines() async throws {
        let template = directory.write("p.mustache", "{{#urgent}}URGENT {{/urgent}}Reply to {{name}}: {{text}}")
        let data = directory.write("rows.csv", "\u{FEFF}name,text,urgent\r\nAda,\"Hi, \"\"there\"\"\nsecond line\",yes\r\nBob,Plain,\r\n")
        let result = try await run(["import", "--template", template, "--data", data, "--system-template", directory.write("s.mustache", "You help {{name}}.")])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try SQLiteShell.run([db, "SELECT custom_id, line, json_extract(request, '$.messages[1].content'), input FROM jobs ORDER BY line"]
        ).stdout
        #expect(
            rows == """
                1|2|URGENT Reply to Ada: Hi, "there"
                second line|{"name":"Ada","text":"Hi, \\"there\\"\\nsecond line","urgent":"yes"}
                2|4|Reply to Bob: Plain|{"name":"Bob","text":"Plain","urgent":""}

                """)
        let jsonl = directory.write("rows.jsonl", #"{"id": "x1", "name": "Cy", "text": "from JSON", "urgent": false}"# + "\n")
        let fromJSON = try await run(["import", "--template", template, "--data", jsonl, "--id-column", "id", "--batch", "json"])
        #expect(fromJSON.status == 0, "\(fromJSON.stderr)")
    }

    @Test func eachProblemNamesTheDataFilesLineAndNothingIsImported() async throws {
        let template = directory.write("p.mustache", "{{subject}}: {{body}}")
        let data = directory.write(
            "bad.csv",
            [
                "id,subject,body", "a1,One,ok", "a2,Two,\"spans", "two lines\"", "a1,Dup,again", "a3,Extra,field,here", "a4,Short", "a5,,",
            ].joined(separator: "\n") + "\n")
        let result = try await run(["import", "--template", template, "--data", data, "--id-column", "id"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(data):5: custom_id: duplicate 'a1', first used on line 2") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(data):6: line: too many fields: 4") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(data):7: line: too few fields: 2") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(data):8: template: renders an empty prompt") } == false, "': ' is not empty")
        #expect(lines.last == "groqbatch: \(data): 3 problems; nothing imported (--skip-invalid imports the valid lines)", "\(lines)")
        #expect(try jobCount() == "0")

        let missing = try await run(["import", "--template", directory.write("q.mustache", "{{subject}} {{priority}}"), "--data", data])
        #expect(missing.stderr.hasPrefix("\(data):1: template: {{priority}} is not a column; the columns are id, subject, body"), "\(missing.stderr)")
        let empty = try await run(["import", "--template", directory.write("e.mustache", "{{body}}"), "--data", directory.write("e.csv", "body\n\"  \"\n")])
        #expect(empty.stderr.contains("e.csv:2: template: renders an empty prompt for this row"), "\(empty.stderr)")
        let binary = directory.path("latin1.csv")
        _ = FileManager.default.createFile(atPath: binary, contents: Data("subject,body\nok,fine\nbad,caf".utf8) + Data([0xE9, 0x0A]))
        let encoding = try await run(["import", "--template", template, "--data", binary])
        #expect(encoding.stderr.hasPrefix("\(binary):3: line: not valid UTF-8"), "\(encoding.stderr)")
        #expect(try jobCount() == "0")
    }

    @Test func schemasAreCheckedAtImport() async throws {
        let template = directory.write("p.mustache", "{{text}}")
        let data = directory.write("rows.csv", "text\nhello\n")
        let open = directory.write("open.json", #"{"type": "object", "properties": {"a": {"type": "string"}}}"#)
        let strict = try await CommandRun.groqbatchAwaiting(
            ["import", "--template", template, "--data", data, "--schema", open, "--model", "openai/gpt-oss-20b", "--db", db], directory: directory.url.path)
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("strict mode (openai/gpt-oss-20b) cannot take this schema"), "\(strict.stderr)")
        let bestEffort = try await CommandRun.groqbatchAwaiting(
            ["import", "--template", template, "--data", data, "--schema", open, "--no-strict", "--model", "openai/gpt-oss-20b", "--db", db],
            directory: directory.url.path)
        #expect(bestEffort.status == 0, "\(bestEffort.stderr)")
        let unsupported = directory.write("u.json", #"{"type": "object", "patternProperties": {"^x": {}}}"#)
        let refused = try await run(["import", "--template", template, "--data", data, "--schema", unsupported, "--batch", "u"])
        #expect(refused.stderr.contains("'patternProperties' is not supported"), "\(refused.stderr)")
        let format = try SQLiteShell.run([db, "SELECT json_extract(request, '$.response_format.json_schema.strict') FROM jobs"]).stdout
        #expect(format == "0\n")
    }

    @Test func aDirectoryGivenAsTheRowsOrTheFileIsOneErrorAndExitOne() async throws {
        let template = directory.write("p.mustache", "{{text}}")
        let folder = directory.path("rows.jsonl")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let cases: [[String]] = [
            ["--template", template, "--data", folder], ["--template", template, "--data", folder, "--data-format", "csv"], [folder],
        ]
        for (index, arguments) in cases.enumerated() {
            // Reading the directory used to fail and be asked again, forever, its problems piling up in
            // memory: the run is bounded in time (`timeout`) and memory (`ulimit -v`, 2 GB).
            let result = try CommandRun.run(
                "/bin/sh",
                ["-c", #"ulimit -v 2097152; exec /usr/bin/timeout -s KILL 120 "$0" "$@""#, PackagePaths.binary, "import"] + arguments
                    + ["--db", db, "--model", "m1", "--batch", "d\(index)"],
                directory: directory.url.path)
            #expect(result.status == 1, "\(arguments): \(result.status) \(result.stderr.prefix(500))")
            let problems = result.stderr.split(separator: "\n").filter { $0.contains("cannot read") }
            #expect(problems.count == 1, "\(arguments): \(result.stderr.prefix(500))")
            #expect(result.stderr.contains("directory"), "\(arguments): \(result.stderr.prefix(500))")
        }
        #expect(try jobCount() == "0")
    }
}
