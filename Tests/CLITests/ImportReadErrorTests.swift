import Foundation
import JobFormats
import QueueStore
import TestSupport
import Testing

@testable import groqbatch

/// A data file that cannot be read to its end is an error, even with `--skip-invalid`: the rows after
/// the failure were never seen, so importing those before it would report a partial file as done.
struct ImportReadErrorTests {
    /// Two good rows, then the read error a file system gives mid-file.
    final class FailingRows: DataRows {
        var file: String { "rows.jsonl" }
        var header: [String]? { nil }
        var served = 0
        func next() -> Result<DataRow, ImportIssue>? {
            served += 1
            switch served {
            case 1, 2: return .success(DataRow(line: served, values: ["text": .string("row \(served)")], columns: ["text"]))
            case 3: return .failure(ImportIssue(file: file, line: 0, field: "file", message: "cannot read the data file: Input/output error"))
            default: return nil
            }
        }
    }

    @Test func aReadErrorMidFileWithdrawsTheImportEvenWithSkipInvalid() async throws {
        let directory = TemporaryDirectory("import-read-error")
        let store = try SQLiteJobStore(path: directory.path("q.sqlite"))
        let source = TemplateSource(
            rows: FailingRows(), user: try PromptTemplate(file: "p.mustache", text: "{{text}}"), system: nil, idColumn: nil)
        let run = ChunkedImport(
            source: source, builder: ImportJobBuilder(parser: ImportLineParser(file: "rows.jsonl"), model: "m1", fallbackModels: []),
            store: store, spec: BatchSpec(name: "partial", source: "rows.jsonl", models: ["m1"]), skipInvalid: true,
            onIssue: { _, _ in }, onProgress: { _, _ in })
        await #expect(throws: ChunkedImport.Withdrawn.self) { _ = try await run.run() }
        #expect(try await store.countsByStatus(batch: nil).values.reduce(0, +) == 0, "the rows before the error were imported")
    }
}
