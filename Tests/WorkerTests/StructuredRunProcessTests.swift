import Foundation
import JobFormats
import TestSupport
import Testing

/// From a table of data to a table of answers, through the real binary and the simulator: a CSV with
/// every awkward case, a template, a schema, 5% bad answers; every job ends with a valid parsed answer,
/// and the export, the views and the simulator's log agree.
struct StructuredRunProcessTests {
    static let schema = """
        {"type": "object", "additionalProperties": false, "required": ["category", "customer", "tags"],
         "properties": {
           "category": {"enum": ["billing", "bug", "question"]},
           "customer": {"type": "object", "additionalProperties": false, "required": ["name", "tier"],
                        "properties": {"name": {"type": "string", "minLength": 1}, "tier": {"type": "integer", "minimum": 1, "maximum": 3}}},
           "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}}
        """

    /// Row `n`: quotes, commas, line breaks and non-ASCII text in turn.
    static func row(_ n: Int) -> (ticket: String, subject: String, body: String, lang: String) {
        let subjects = ["Refund, please", "App \"crashes\" on start", "Grüße aus Zürich", "日本語のサポート", "Plain question"]
        var body = "Body of ticket \(n)"
        if n % 7 == 0 { body += ",\nsecond line with \"quotes\"\nthird line" }
        if n % 5 == 0 { body += " — café naïve ✓" }
        return (String(format: "T%04d", n), subjects[n % subjects.count], body, ["en", "de", "ja"][n % 3])
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    @Test func everyRowEndsWithAValidParsedAnswerAndTheExportMatchesTheViews() async throws {
        let directory = TemporaryDirectory("structured-run")
        let count = 500
        var csv = "\u{FEFF}ticket,subject,body,lang\r\n"
        var expectedLines: [Int] = []
        var line = 2
        for n in 1...count {
            let row = Self.row(n)
            expectedLines.append(line)
            line += 1 + row.body.filter { $0 == "\n" }.count
            csv += [row.ticket, row.subject, row.body, row.lang].map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        let data = directory.write("tickets.csv", csv)
        let template = directory.write("prompt.mustache", "Ticket {{ticket}} ({{lang}}): {{subject}}\n{{body}}\nAnswer as JSON.")
        let schemaFile = directory.write("ticket.json", Self.schema)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/json", "max_output": 1024}]}"#)
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0.01, "models": [{"id": "sim/json", "max_output": 1024}],
                 "faults": {"schema_violation": 0.03, "invalid_json": 0.01, "json_validate_failed": 0.01}, "seed": 7}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let imported = try await CommandRun.groqbatchAwaiting([
            "import", "--db", db, "--template", template, "--data", data, "--id-column", "ticket", "--schema", schemaFile,
            "--model", "sim/json", "--max-tokens", "300",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--concurrency", "16", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")

        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|\(count)")
        #expect(try sql("SELECT line FROM jobs ORDER BY line").split(separator: "\n").map { Int($0) ?? 0 } == expectedLines, "rows keep their lines")
        // Every stored answer parses and matches the schema, by the validator and by construction.
        let schema = try JSONSchema(text: Self.schema)
        let parsed = try sql("SELECT parsed FROM results").split(separator: "\n")
        #expect(parsed.count == count)
        #expect(try parsed.allSatisfy { schema.accepts(try JSONValue.decode(Array($0.utf8))) })

        // Each bad answer the simulator gave is one counted retry here, its text kept; nothing else retried.
        let log = try String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8).split(separator: "\n")
        let faults = { (name: String) in log.filter { $0.contains(#""fault":"\#(name)""#) }.count }
        let bad = faults("schema_violation") + faults("invalid_json")
        #expect(bad > 0 && faults("json_validate_failed") > 0, "the run met the faults it is about")
        #expect(try sql("SELECT COUNT(*) FROM attempts WHERE error_code = 'schema_mismatch' AND answer IS NOT NULL") == "\(bad)")
        #expect(
            try sql("SELECT COUNT(*) FROM attempts WHERE error_code = 'json_validate_failed' AND answer IS NOT NULL") == "\(faults("json_validate_failed"))")
        #expect(try sql("SELECT COUNT(*) FROM attempts") == "\(log.count)")

        // The export: input order, the input row as it was, the fields as the view reads them.
        let output = directory.path("answers.csv")
        let exported = try await CommandRun.groqbatchAwaiting([
            "export", "--db", db, "--format", "csv", "--with-input", "--fields", "category,customer.name,customer.tier,tags", "--output", output,
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        let rows = try CSVRows(path: output)
        #expect(rows.header?.suffix(8) == ["ticket", "subject", "body", "lang", "category", "customer.name", "customer.tier", "tags"])
        var exportedRows: [DataRow] = []
        while let next = rows.next() { exportedRows.append(try next.get()) }
        #expect(exportedRows.count == count)
        for (index, row) in exportedRows.enumerated() {
            let source = Self.row(index + 1)
            #expect(row.values["custom_id"] == .string(source.ticket))
            #expect(row.values["body"] == .string(source.body) && row.values["subject"] == .string(source.subject))
        }
        let viewed = try sql(
            "SELECT custom_id || '|' || json_extract(parsed, '$.category') || '|' || json_extract(parsed, '$.customer.name') || '|' || json_extract(parsed, '$.customer.tier') FROM job_results ORDER BY line"
        ).split(separator: "\n").map(String.init)
        let fromExport = exportedRows.map { row in
            ["custom_id", "category", "customer.name", "customer.tier"].map { row.values[$0]?.stringValue ?? "" }.joined(separator: "|")
        }
        #expect(viewed == fromExport)
    }
}
