import ArgumentParser
import Foundation
import JobFormats
import QueueStore

/// `groqbatch export`: every job in input order, as Batch API output lines or CSV.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write results in input order, as Batch API output JSONL or as CSV.",
        discussion: """
            JSONL lines have the Batch API output form:
              {"id": "batch_req_42", "custom_id": "a1", "error": null, "response":
               {"status_code": 200, "request_id": "req_...", "body": {...}}}   (one line)
            A job without a result carries "response": null and "error": {"code", "message"}: failed jobs \
            with their last error, unfinished ones with code not_finished, cancelled ones with cancelled, \
            ones stopped by their batch's deadline with expired. \
            Nothing is left out. CSV has one row per job, led by a batch column unless --batch names \
            one (custom ids repeat across batches): \(ExportFormat.csvHeader).

            CSV cells are made safe for spreadsheets: a cell starting with =, +, -, @, a tab or a \
            carriage return gets a leading ' so it is not run as a formula (answers follow their \
            prompts, and a prompt can be written to make one); a cell that is a plain number, such as \
            -3, is kept. --raw-csv writes every cell as stored; --bom starts the file with a UTF-8 byte \
            order mark, for spreadsheets that otherwise read it in a legacy encoding.

            From a template import: --with-input adds the row each job was made from (CSV: its columns; \
            JSONL: an "input" object). With --schema answers: --fields category,people.0.name adds \
            fields of the parsed answer as CSV columns (dots step into objects and arrays; * is every \
            top-level field).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Export only this batch.")
    var batch: String?

    @Option(help: "jsonl or csv. Defaults to csv when --output ends in .csv, else jsonl.")
    var format: ExportFormat?

    @Option(
        help: """
            Write here instead of standard output: a file is replaced atomically when complete (through a \
            symlink, its target); a FIFO or a device such as /dev/null is written in place.
            """)
    var output: String?

    @Flag(name: .customLong("raw-csv"), help: "Write CSV cells as stored, without the ' that keeps a spreadsheet from running them as formulas.")
    var rawCSV = false

    @Flag(help: "Start CSV output with a UTF-8 byte order mark, for spreadsheets.")
    var bom = false

    @Flag(name: .customLong("with-input"), help: "Add each job's input row (template imports): CSV columns, or an \"input\" object in JSONL.")
    var withInput = false

    @Option(
        help: ArgumentHelp("CSV columns from the parsed answers: paths such as category,people.0.name, or * for every top-level field.", valueName: "a,b.c"))
    var fields: String?

    func validate() throws {
        if fields != nil && effectiveFormat != .csv {
            throw ValidationError("--fields makes CSV columns; add --format csv (JSONL lines carry the whole answer).")
        }
        if (rawCSV || bom) && effectiveFormat != .csv {
            throw ValidationError("\(rawCSV ? "--raw-csv" : "--bom") is for CSV; add --format csv (JSONL is never read as formulas).")
        }
    }

    var effectiveFormat: ExportFormat {
        format ?? (output?.lowercased().hasSuffix(".csv") == true ? .csv : .jsonl)
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            _ = try await store.expireOverdue(now: nil)
            let sink = try OutputFile(path: output)
            var counts: [String: Int] = [:]
            do {
                let format = effectiveFormat
                var columns = ExportColumns(batch: batch == nil, withInput: withInput)
                let cells: CSVCells = rawCSV ? .raw : .neutralized
                if withInput || fields != nil {
                    let sample = try await store.exportSample(batch: batch)
                    if withInput && format == .csv { columns.inputColumns = ExportColumns.keys(of: sample.input) }
                    if let fields { columns.fields = ExportColumns.fields(fields, sample: sample.parsed) }
                }
                if bom { try sink.write("\u{FEFF}") }
                if let header = format.header(columns, cells: cells) { try sink.writeLine(header) }
                try await store.exportRows(batch: batch) { row in
                    counts[row.status, default: 0] += 1
                    try sink.writeLine(format.line(for: row, columns, cells: cells))
                }
                try sink.commit()
            } catch let error as NotFoundError {
                sink.abandon()
                throw CommandFailure(error.description)
            } catch {
                sink.abandon()
                throw error
            }
            let total = counts.values.reduce(0, +)
            let detail = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            Console.error("exported \(total) job\(total == 1 ? "" : "s")\(detail.isEmpty ? "" : " (\(detail))")\(output.map { " to \($0)" } ?? "")")
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
