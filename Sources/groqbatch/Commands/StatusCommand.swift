import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch status`: each batch's jobs by status, tokens so far, first and last activity.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each batch's progress: jobs by status, tokens spent, first and last activity.",
        discussion: "Times are UTC. The same numbers are in the batch_progress view for sqlite3.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Show only this batch.")
    var batch: String?

    @Flag(help: "Print JSON (an array of objects, one per batch) for scripts.")
    var json = false

    func run() throws {
        try failingClearlySync {
            let store = try database.open()
            let statuses: [BatchStatus]
            do { statuses = try store.batchStatuses(batch: batch) } catch let error as SQLiteJobStore.NotFoundError {
                throw CommandFailure(error.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(statuses), as: UTF8.self))
                return
            }
            if statuses.isEmpty {
                print("no batches in \(store.path); add some with: groqbatch import FILE --model MODEL")
                return
            }
            print(Self.table(statuses))
            for status in statuses {
                if let paused = status.paused { print("batch '\(status.batch)' is paused: \(paused); its \(status.queued) queued jobs wait") }
            }
        }
    }

    static func table(_ statuses: [BatchStatus]) -> String {
        let header = ["BATCH", "TOTAL", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TOKENS IN", "TOKENS OUT", "FIRST (UTC)", "LAST (UTC)"]
        let rows = statuses.map { status in
            [status.batch, "\(status.total)", "\(status.queued)", "\(status.running)", "\(status.succeeded)",
             "\(status.failed)", "\(status.cancelled)", "\(status.promptTokens)", "\(status.completionTokens)",
             status.firstActivity ?? "-", status.lastActivity ?? "-"]
        }
        return TextTable(header: header, rows: rows).rendered
    }
}
