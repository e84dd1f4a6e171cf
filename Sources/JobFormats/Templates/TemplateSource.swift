/// A template import's job lines: each data row rendered through the prompt templates into a line of
/// the simple form (`{"custom_id", "messages"}`), numbered by the row's line in the data file, so the
/// JSON lines import (validation, options, staging) does the rest. Problems of the rows and templates
/// (a variable no column provides, a wrong number of fields, an empty prompt, a missing id) are
/// reported against the data file's lines.
public final class TemplateSource: ImportSource {
    public var name: String { rows.file }
    var file: String { rows.file }
    let rows: any DataRows
    let user: PromptTemplate
    let system: PromptTemplate?
    let idColumn: String?
    /// Records read so far, good or bad: a row's default custom_id is its record's number in the file,
    /// so a malformed row skipped (--skip-invalid) and fixed later renumbers none of the rows after it.
    private var recordNumber = 0
    private var checkedHeader = false

    public init(rows: any DataRows, user: PromptTemplate, system: PromptTemplate?, idColumn: String?) {
        self.rows = rows
        self.user = user
        self.system = system
        self.idColumn = idColumn
    }

    /// The variables of both templates, each once.
    var variables: [String] {
        var seen: Set<String> = []
        return (user.variables + (system?.variables ?? [])).filter { seen.insert($0).inserted }
    }

    public func nextJobLines(maxLines: Int, maxBytes: Int) throws -> SourceChunk? {
        var chunk = SourceChunk(lines: LineChunk())
        if !checkedHeader {
            checkedHeader = true
            chunk.issues += headerIssues()
        }
        var reachedEnd = true
        while let next = rows.next() {
            recordNumber += 1
            switch next {
            case .failure(let issue): chunk.issues.append(issue)
            case .success(let row): add(row, to: &chunk)
            }
            if chunk.lines.count >= maxLines || chunk.lines.bytes.count >= maxBytes {
                reachedEnd = false
                break
            }
        }
        if reachedEnd && chunk.lines.count == 0 && chunk.issues.isEmpty { return nil }
        return chunk
    }

    /// With a header (CSV), each variable and the id column are checked once, against the columns.
    private func headerIssues() -> [ImportIssue] {
        guard let header = rows.header else { return [] }
        var issues: [ImportIssue] = []
        for name in variables where !header.contains(name) {
            issues.append(
                ImportIssue(file: file, line: 1, field: "template", message: "{{\(name)}} is not a column; the columns are \(header.joined(separator: ", "))"))
        }
        if let idColumn, !header.contains(idColumn) {
            issues.append(
                ImportIssue(
                    file: file, line: 1, field: "--id-column", message: "'\(idColumn)' is not a column; the columns are \(header.joined(separator: ", "))"))
        }
        return issues
    }

    private func add(_ row: DataRow, to chunk: inout SourceChunk) {
        if rows.header == nil, let missing = variables.first(where: { row.values[$0] == nil }) {
            chunk.issues.append(ImportIssue(file: file, line: row.line, field: missing, message: "missing: the template uses {{\(missing)}}"))
            return
        }
        let customID: String
        if let idColumn {
            switch row.values[idColumn] {
            case .string(let text) where !text.isEmpty: customID = text
            case .number(let number): customID = JSONValue.number(number).jsonString()
            default:
                chunk.issues.append(ImportIssue(file: file, line: row.line, field: idColumn, message: "the --id-column is empty or not text"))
                return
            }
        } else {
            customID = String(recordNumber)
        }
        let prompt = user.render(row.values)
        guard !prompt.allSatisfy(\.isWhitespace) else {
            chunk.issues.append(ImportIssue(file: file, line: row.line, field: "template", message: "renders an empty prompt for this row"))
            return
        }
        var messages: [JSONValue] = []
        if let system {
            let text = system.render(row.values)
            if !text.allSatisfy(\.isWhitespace) { messages.append(.object(["role": "system", "content": .string(text)])) }
        }
        messages.append(.object(["role": "user", "content": .string(prompt)]))
        let line = JSONValue.object(["custom_id": .string(customID), "messages": .array(messages)]).jsonString()
        chunk.lines.append(Array(line.utf8)[...], number: row.line)
        chunk.inputs[row.line] = row.inputJSON
    }
}
