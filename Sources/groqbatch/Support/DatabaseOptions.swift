import ArgumentParser
import Foundation
import QueueStore

/// The `--db` option every command that touches the queue shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The queue's SQLite file; created when missing.",
            discussion: "Defaults to $GROQBATCH_DB, or ./groqbatch.sqlite.",
            valueName: "path"))
    var db: String?

    /// The path the options name.
    var path: String {
        db ?? ProcessInfo.processInfo.environment["GROQBATCH_DB"] ?? "groqbatch.sqlite"
    }

    /// Opens the queue, or ends the command with one clear line.
    func open() throws -> SQLiteJobStore {
        do {
            return try SQLiteJobStore(path: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
