import ArgumentParser
import QueueStore

/// `groqbatch init`: creates (or upgrades) the queue file and says where it is.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the queue database, or apply new migrations to an existing one.",
        discussion: "Every command creates the database when it is missing; init only makes that explicit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            let applied = try await store.appliedMigrations()
            print("\(store.location): schema version \(applied.last ?? 0) (migrations \(applied.map(String.init).joined(separator: ", ")))")
        }
    }
}
