import ArgumentParser
import Foundation
import JobFormats
import Scheduler

/// `import`'s options for a table of data and structured answers: rows rendered through a prompt
/// template, and a JSON Schema (or plain JSON) every answer is held to.
struct TemplateOptions: ParsableArguments {
    /// How the data file is read.
    enum DataFormat: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl
    }

    @Option(
        help: ArgumentHelp(
            "A Mustache template for each job's user message, rendered with the row's columns ({{column}}, sections); nothing is HTML-escaped. Needs --data.",
            valueName: "file"))
    var template: String?

    @Option(name: .customLong("system-template"), help: ArgumentHelp("A Mustache template for each job's system message.", valueName: "file"))
    var systemTemplate: String?

    @Option(
        help: ArgumentHelp(
            "The rows: a CSV file with a header row (quoted fields may hold commas and line breaks; a byte order mark and CRLF are fine), or JSON lines (one object a line, .jsonl); - reads standard input.",
            valueName: "file"))
    var data: String?

    @Option(name: .customLong("data-format"), help: "csv or jsonl; by default from the data file's extension (.jsonl, .ndjson: jsonl; else csv).")
    var dataFormat: DataFormat?

    @Option(help: ArgumentHelp("The CSV's field separator: one character, or tab (for TSV).", valueName: "char"))
    var delimiter: String?

    @Option(
        name: .customLong("id-column"), help: ArgumentHelp("The column that gives each job's custom_id (by default the row's number).", valueName: "column"))
    var idColumn: String?

    @Option(
        help: ArgumentHelp(
            "A JSON Schema every answer must match: sent as response_format json_schema (strict on models that decode under a schema, best effort elsewhere), and checked here; an answer that does not match is retried (schema_mismatch), then the next model.",
            valueName: "file"))
    var schema: String?

    @Option(name: .customLong("schema-name"), help: "The schema's name in the request (by default the schema file's name).")
    var schemaName: String?

    @Flag(help: "Ask for any JSON object (response_format json_object); answers that are not are retried. The prompt must ask for JSON.")
    var json = false

    @Flag(name: .customLong("no-strict"), help: "With --schema: best effort on every model, for a schema strict mode cannot take.")
    var noStrict = false

    func validate() throws {
        if template != nil && data == nil { throw ValidationError("--template needs --data (the rows to render it with).") }
        if data != nil && template == nil { throw ValidationError("--data needs --template (the prompt each row becomes).") }
        if template == nil {
            for (flag, value) in [("--system-template", systemTemplate), ("--id-column", idColumn), ("--delimiter", delimiter)] where value != nil {
                throw ValidationError("\(flag) is for template imports (--template with --data).")
            }
        }
        if schema != nil && json { throw ValidationError("--schema and --json: choose one (a schema implies JSON).") }
        if schema == nil && (schemaName != nil || noStrict) { throw ValidationError("--schema-name and --no-strict go with --schema.") }
        if let delimiter, delimiterScalar == nil { throw ValidationError("--delimiter: '\(delimiter)' is not one character (or tab).") }
    }

    var delimiterScalar: UnicodeScalar? {
        guard let delimiter else { return "," }
        if delimiter == "tab" || delimiter == "\\t" { return "\t" }
        return delimiter.unicodeScalars.count == 1 ? delimiter.unicodeScalars.first : nil
    }

    var format: DataFormat {
        if let dataFormat { return dataFormat }
        let lowered = (data ?? "").lowercased()
        return lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") ? .jsonl : .csv
    }

    /// The rows rendered through the templates, or nil for a JSON lines import.
    func source() throws -> (any ImportSource)? {
        guard let template, let data else { return nil }
        let user = try Self.template(template)
        let system = try systemTemplate.map(Self.template)
        do throws(ImportIssue) {
            let rows: any DataRows =
                switch format {
                case .csv: try CSVRows(path: data, delimiter: delimiterScalar ?? ",")
                case .jsonl: try JSONLinesRows(path: data)
                }
            return TemplateSource(rows: rows, user: user, system: system, idColumn: idColumn)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    static func template(_ path: String) throws -> PromptTemplate {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("\(path): cannot read the template (missing, unreadable or not UTF-8)")
        }
        do throws(PromptTemplate.Problem) { return try PromptTemplate(file: path, text: text) } catch { throw CommandFailure(error.description) }
    }

    /// The `response_format` to send, checked: the schema must be one the validator checks, and one strict
    /// mode takes when a model of the chain decodes strictly (unless --no-strict).
    func responseFormat(chain: [String], catalog: ModelCatalog) throws -> JSONValue? {
        if json { return .object(["type": "json_object"]) }
        guard let schema else { return nil }
        guard let text = try? String(contentsOfFile: schema, encoding: .utf8) else {
            throw CommandFailure("\(schema): cannot read the schema (missing, unreadable or not UTF-8)")
        }
        let parsed: JSONSchema
        do throws(SchemaProblem) { parsed = try JSONSchema(text: text) } catch { throw CommandFailure("\(schema): \(error)") }
        let strictModels = chain.filter { catalog.entries[$0]?.strictJSONSchema == true }
        if !noStrict, let strictModel = strictModels.first, let problem = parsed.strictModeProblem {
            throw CommandFailure("\(schema): strict mode (\(strictModel)) cannot take this schema, \(problem); fix it, or add --no-strict for best effort")
        }
        let name = schemaName ?? Self.schemaName(fromFile: schema)
        return .object([
            "type": "json_schema",
            "json_schema": .object(["name": .string(name), "schema": parsed.document, "strict": .bool(!noStrict)]),
        ])
    }

    /// `tickets.schema.json` → `tickets_schema`: the characters a schema name may hold, at most 64.
    static func schemaName(fromFile path: String) -> String {
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let cleaned = String(base.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        return String((cleaned.isEmpty ? "answer" : cleaned).prefix(64))
    }
}
