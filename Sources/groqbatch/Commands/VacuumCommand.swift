import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch vacuum`: gives the space of deleted rows back to the file system.
struct VacuumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Shrink the queue file after prune (SQLite VACUUM).",
        discussion: """
            Rewrites the whole file, which takes a while on a large queue and holds the write lock meanwhile: \
            workers wait for it (up to their 60 s busy timeout) instead of failing, so run it between runs. \
            It needs free disk space about the size of the file.
            """)

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            let sizes: (before: Int64, after: Int64)
            do { sizes = try await store.vacuum() } catch { throw CommandFailure("vacuum failed: \(error)") }
            let format = { (bytes: Int64) in ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file) }
            print("\(store.location): \(format(sizes.before)) -> \(format(sizes.after))")
        }
    }
}
