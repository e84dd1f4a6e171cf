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
            Nothing is left out. CSV has one row per job: \(ExportFormat.csvHeader).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Export only this batch.")
    var batch: String?

    @Option(help: "jsonl or csv. Defaults to csv when --output ends in .csv, else jsonl.")
    var format: ExportFormat?

    @Option(help: "Write to this file (replaced atomically when complete) instead of standard output.")
    var output: String?

    var effectiveFormat: ExportFormat {
        format ?? (output?.lowercased().hasSuffix(".csv") == true ? .csv : .jsonl)
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            _ = try await store.expireOverdue(now: Date())
            let sink = try OutputFile(path: output)
            var counts: [String: Int] = [:]
            do {
                let format = effectiveFormat
                if let header = format.header { try sink.writeLine(header) }
                try await store.exportRows(batch: batch) { row in
                    counts[row.status, default: 0] += 1
                    try sink.writeLine(format.line(for: row))
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
