import ArgumentParser
import QueueStore

/// `groqbatch init`: creates (or upgrades) the queue file and says where it is.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the queue database, or apply new migrations to an existing one.",
        discussion: "init and import create a missing queue; every other command refuses one (unless given --create).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await failingClearly {
            let store = try await database.open(creating: true)
            let applied = try await store.appliedMigrations()
            print("\(store.location): schema version \(applied.last ?? 0) (migrations \(applied.map(String.init).joined(separator: ", ")))")
        }
    }
}
