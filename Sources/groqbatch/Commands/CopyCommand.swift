import ArgumentParser
import Foundation
import PostgresStore
import QueueStore
import Synchronization

/// `groqbatch copy --from queue.sqlite --to postgres://...`: a queue moved whole into another store.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole queue into a new, empty one: from a SQLite file to PostgreSQL (or back).",
        discussion: """
            Copies batches, jobs, attempts, results, remote batches, the meters and what they learned, the \
            day's usage and the model lists, with their ids, in one transaction of the destination: all of \
            it or nothing. The destination must hold no batch yet (its schema is created when missing). \
            Stop the workers on the source first: jobs running there are copied as running and come back \
            to the queue when their leases run out.

            Example, when one host is no longer enough (with the URL in GROQBATCH_DB, its password stays \
            off the command line):
              groqbatch copy --from groqbatch.sqlite --to "$GROQBATCH_DB"
              groqbatch export --db "$GROQBATCH_DB"   # prints the same as before
            """)

    @Option(help: ArgumentHelp("The queue to copy: a SQLite file or a postgres:// URL.", valueName: "path-or-url"))
    var from: String

    @Option(help: ArgumentHelp("The new, empty queue: a SQLite file (created) or a postgres:// URL.", valueName: "path-or-url"))
    var to: String

    func run() async throws {
        try await failingClearly {
            let sourceQueue = try await DatabaseOptions.open(from, creating: false, creatable: false)
            let destinationQueue = try await DatabaseOptions.open(to, creating: true)
            let sourceName = sourceQueue.location
            let destinationName = destinationQueue.location
            guard let source = sourceQueue as? any SQLQueueStore, let destination = destinationQueue as? any SQLQueueStore else {
                throw CommandFailure("copy reads and writes SQL queues only")
            }
            let line = Mutex(ProgressLine(label: "copying \(sourceName) to \(destinationName)"))
            let copied: [String: Int]
            do {
                copied = try await QueueCopy.copy(from: source, to: destination) { table, rows in
                    line.withLock { $0.update("\(table): \(rows) rows") }
                }
            } catch let refused as QueueCopy.Refused {
                line.withLock { $0.finish() }
                throw CommandFailure("\(destinationName): \(refused)")
            } catch {
                line.withLock { $0.finish() }
                throw CommandFailure("copy failed, nothing was written to \(destinationName): \(error)")
            }
            line.withLock { $0.finish() }
            let counted = ["batches", "jobs", "attempts", "results"].map { "\(copied[$0] ?? 0) \($0)" }.joined(separator: ", ")
            print("copied \(counted) (and meters, usage, model lists) from \(sourceName) to \(destinationName)")
        }
    }
}
