import Foundation
import JobFormats
import TestSupport
import Testing

/// A template import's default `custom_id`s: each row's record number in the data file, so they do not
/// depend on which rows were malformed.
struct TemplateSourceTests {
    let directory = TemporaryDirectory("template-source")

    /// Every job line's custom_id by its data line, and the lines with problems, reading the whole file.
    func read(_ rows: any DataRows) throws -> (ids: [Int: String], problemLines: [Int]) {
        let source = TemplateSource(rows: rows, user: try PromptTemplate(file: "p", text: "Say {{text}}"), system: nil, idColumn: nil)
        var ids: [Int: String] = [:]
        var problemLines: [Int] = []
        while let chunk = try source.nextJobLines(maxLines: 2, maxBytes: 1 << 20) {
            problemLines += chunk.issues.map(\.line)
            try chunk.lines.forEachLine { bytes, line in
                guard case .object(let members) = try JSONValue.decode(bytes), case .string(let id)? = members["custom_id"] else {
                    Issue.record("line \(line) has no custom_id")
                    return
                }
                ids[line] = id
            }
        }
        return (ids, problemLines)
    }

    @Test func aSkippedMalformedCSVRowRenumbersNoOtherRow() throws {
        let broken = try read(CSVRows(path: directory.write("broken.csv", "text\nfirst\nsec,ond\n\nthird\n")))
        #expect(broken.problemLines == [3])
        let fixed = try read(CSVRows(path: directory.write("fixed.csv", "text\nfirst\n\"sec,ond\"\n\nthird\n")))
        #expect(fixed.problemLines.isEmpty)
        #expect(broken.ids == [2: "1", 5: "3"], "the row after a malformed one keeps its record's number")
        #expect(fixed.ids == [2: "1", 3: "2", 5: "3"], "blank lines are no records")
    }

    @Test func aSkippedMalformedJSONLinesRowRenumbersNoOtherRow() throws {
        let broken = try read(JSONLinesRows(path: directory.write("broken.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"\n\n{\"text\": \"c\"}\n")))
        #expect(broken.problemLines == [2])
        let fixed = try read(JSONLinesRows(path: directory.write("fixed.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n\n{\"text\": \"c\"}\n")))
        #expect(broken.ids == [1: "1", 4: "3"])
        #expect(fixed.ids == [1: "1", 2: "2", 4: "3"])
    }

    @Test func aDataFileThatCannotBeReadIsOneProblemAndTheEnd() throws {
        let folder = directory.path("rows.jsonl")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let rows = try JSONLinesRows(path: folder)
        guard case .failure(let issue)? = rows.next() else {
            Issue.record("a directory read as rows")
            return
        }
        #expect(issue.description.contains("cannot read the data file"), "\(issue)")
        if let again = rows.next() { Issue.record("read on after the file failed (an import would loop forever): \(again)") }
    }
}
