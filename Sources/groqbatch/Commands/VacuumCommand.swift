import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch vacuum`: gives the space of deleted rows back to the file system.
struct VacuumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Shrink the queue file after prune (SQLite VACUUM; VACUUM ANALYZE on PostgreSQL).",
        discussion: """
            Rewrites the whole file, which takes a while on a large queue and holds the write lock meanwhile: \
            workers wait for it (up to their 60 s busy timeout) instead of failing, so run it between runs. \
            It needs free disk space about the size of the file.

            On a PostgreSQL queue it runs VACUUM ANALYZE beside running workers: space freed by prune is \
            reused rather than given back (autovacuum does the same on its own), and the planner's \
            statistics are refreshed.
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
