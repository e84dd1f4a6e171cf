import ArgumentParser
import Configuration
import Foundation
import QueueStore

/// The `--db` and `--config` options every command that touches the queue shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The queue's SQLite file; created when missing.",
            discussion: "Defaults to $GROQBATCH_DB, the configuration file's db, or ./\(DatabaseOptions.defaultPath).",
            valueName: "path"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A JSON configuration file (see `groqbatch config show`).",
            discussion: "Defaults to $GROQBATCH_CONFIG, or ./groqbatch.json when it exists.",
            valueName: "file"))
    var config: String?

    /// The queue's file unless `db` names another, relative to the working directory.
    static let defaultPath = "groqbatch.sqlite"

    /// The settings, with these options and `flags` (a command's own options) on top.
    func settings(_ flags: [SettingKey: ConfigContent] = [:]) async throws -> Settings {
        var all = flags
        if let db { all[.db] = .string(db) }
        return try await Settings.load(configPath: config, flags: all)
    }

    /// Opens the queue the settings name, or ends the command with one clear line.
    func open(_ settings: Settings) throws -> any QueueDatabase {
        let path = settings.string(.db) ?? Self.defaultPath
        do {
            return try SQLiteJobStore(path: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// Opens the queue for a command that has no settings of its own.
    func open() async throws -> any QueueDatabase {
        try open(await settings())
    }
}
