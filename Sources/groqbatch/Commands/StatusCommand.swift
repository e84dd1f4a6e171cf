import ArgumentParser
import Foundation
import JobFormats
import QueueStore

/// `groqbatch status`: each batch's jobs by status, tokens so far, first and last activity, schedule.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each batch's progress: jobs by status, tokens spent, first and last activity.",
        discussion: """
            Times are UTC. The same numbers are in the batch_progress view for sqlite3. \
            Queued jobs of a batch whose deadline has passed are marked expired first, as a worker would. \
            --watch redraws every --interval seconds until interrupted (Ctrl-C).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Show only this batch.")
    var batch: String?

    @Flag(help: "Print JSON (an array of objects, one per batch) for scripts.")
    var json = false

    @Flag(help: "Refresh until interrupted.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval: Double = 2

    func validate() throws {
        if !(interval >= 0.2) { throw ValidationError("--interval must be at least 0.2 seconds (got \(interval)).") }
        if watch && json { throw ValidationError("--watch draws a table; use --json without it, from a loop, for scripts.") }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            guard watch else {
                print(try await render(store))
                return
            }
            let terminal = isatty(1) != 0
            while true {
                let frame = try await render(store)
                if terminal {
                    // Home the cursor and clear the screen, so the table redraws in place.
                    Console.out("\u{1B}[H\u{1B}[2J" + "groqbatch status, every \(interval) s (Ctrl-C stops)\n" + frame)
                } else {
                    Console.out("--- \(ISO8601DateFormatter().string(from: Date()))\n" + frame)
                }
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }

    func render(_ store: any QueueDatabase) async throws -> String {
        _ = try await store.expireOverdue(now: nil)
        let statuses: [BatchStatus]
        do { statuses = try await store.batchStatuses(batch: batch) } catch let error as NotFoundError {
            throw CommandFailure(error.description)
        }
        if json {
            return try Console.json(statuses)
        }
        if statuses.isEmpty {
            return "no batches in \(store.location); add some with: groqbatch import FILE --model MODEL"
        }
        var lines = [Self.table(statuses)]
        for status in statuses {
            if let paused = status.paused { lines.append("batch '\(status.batch)' is paused: \(paused); its \(status.queued) queued jobs wait") }
            var schedule: [String] = []
            if let notBefore = status.notBefore { schedule.append("starts no job before \(notBefore) UTC") }
            if let deadline = status.deadline { schedule.append("expires unfinished jobs at \(deadline) UTC") }
            if !schedule.isEmpty { lines.append("batch '\(status.batch)' " + schedule.joined(separator: ", ")) }
            if status.expired > 0 {
                lines.append(
                    "batch '\(status.batch)': \(status.expired.counted("job")) expired; groqbatch retry --expired --batch \(status.batch) queues them again")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ statuses: [BatchStatus]) -> String {
        let header = [
            "BATCH", "TOTAL", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "TOKENS IN", "TOKENS OUT", "FIRST (UTC)", "LAST (UTC)",
        ]
        let rows = statuses.map { status in
            [
                status.batch, "\(status.total)", "\(status.queued)", "\(status.running)", "\(status.succeeded)",
                "\(status.failed)", "\(status.cancelled)", "\(status.expired)", "\(status.promptTokens)", "\(status.completionTokens)",
                status.firstActivity ?? "-", status.lastActivity ?? "-",
            ]
        }
        return TextTable(header: header, rows: rows).rendered
    }
}
