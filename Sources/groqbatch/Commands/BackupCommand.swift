import ArgumentParser
import Foundation
import PostgresStore
import QueueStore
import Synchronization

/// `groqbatch backup FILE`: a consistent copy of the queue, taken while workers run.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the queue to a new SQLite file, safely, while workers keep running.",
        discussion: """
            Uses SQLite's online backup from one consistent snapshot: the copy holds every job, result and \
            meter as they were when it started; workers go on writing meanwhile. The copy is a normal \
            groqbatch database (open it with --db, or with sqlite3), private to its owner (mode 0600).

            A PostgreSQL queue is backed up with pg_dump: this command prints the command to run.
            """)

    @Argument(help: ArgumentHelp("Where to write the copy.", valueName: "file"))
    var file: String

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Replace the file if it exists.")
    var force = false

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            if let server = store as? PostgresJobStore {
                throw CommandFailure(PostgresJobStore.backupAdvice(url: server.url, destination: file))
            }
            if FileManager.default.fileExists(atPath: file) && !force {
                throw CommandFailure("\(file) exists; choose another name or add --force to replace it")
            }
            if URL(fileURLWithPath: file).standardizedFileURL.path == URL(fileURLWithPath: store.location).standardizedFileURL.path {
                throw CommandFailure("\(file) is the queue itself; choose another file")
            }
            // The copy runs on a thread of its own and reports from there.
            let line = Mutex(ProgressLine(label: "backing up \(store.location)"))
            do {
                try await store.backup(to: file) { fraction in line.withLock { $0.update("\(Int(fraction * 100))%") } }
            } catch {
                line.withLock { $0.finish() }
                throw CommandFailure("backup to \(file) failed: \(error)")
            }
            line.withLock { $0.finish() }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            print("backed up \(store.location) to \(file) (\(ByteCountFormatter.string(fromByteCount: size, countStyle: .file)))")
        }
    }
}
