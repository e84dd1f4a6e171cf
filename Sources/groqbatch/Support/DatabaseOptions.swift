import ArgumentParser
import Configuration
import Foundation
import Logging
import PostgresStore
import QueueStore

/// The `--db` and `--config` options every command that touches the queue shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The queue: a SQLite file, or a PostgreSQL database shared by several hosts.",
            discussion: """
                A path opens a SQLite file; only init and import create a missing one (others refuse it, so a mistyped \
                path is an error, not an empty queue; --create overrides). postgres://user:password@host:5432/dbname \
                opens a PostgreSQL database (add ?sslmode=require for TLS; the schema is created on first use). \
                Defaults to $GROQBATCH_DB, the configuration file's db, or ./\(DatabaseOptions.defaultPath). A password \
                in the URL is never printed.
                """,
            valueName: "path-or-url"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A JSON configuration file (see `groqbatch config show`).",
            discussion: "Defaults to $GROQBATCH_CONFIG, or ./groqbatch.json when it exists.",
            valueName: "file"))
    var config: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Create the SQLite queue when the file is missing.",
            discussion: """
                Only init and import create a queue on their own: any other command refuses a missing file, since \
                from cron an empty new queue would be a night of nothing reported as success.
                """))
    var create = false

    /// The queue's file unless `db` names another, relative to the working directory.
    static let defaultPath = "groqbatch.sqlite"

    /// The settings, with these options and `flags` (a command's own options) on top.
    func settings(_ flags: [SettingKey: ConfigContent] = [:]) async throws -> Settings {
        var all = flags
        if let db { all[.db] = .string(db) }
        return try await Settings.load(configPath: config, flags: all)
    }

    /// Opens the queue the settings name, or ends the command with one clear line. A missing SQLite
    /// file is created only when `creating` (init, import) or `--create` says so.
    func open(_ settings: Settings, creating: Bool = false) async throws -> any QueueDatabase {
        try await Self.open(settings.string(.db) ?? Self.defaultPath, creating: creating || create)
    }

    /// Opens the queue the settings name; nil when it is a SQLite file that is not there.
    func openIfPresent(_ settings: Settings) async throws -> (any QueueDatabase)? {
        let location = settings.string(.db) ?? Self.defaultPath
        if !PostgresURL.isPostgres(location), !create, !FileManager.default.fileExists(atPath: location) { return nil }
        return try await open(settings)
    }

    /// Opens the queue at a path or `postgres://` URL, or ends the command with one clear line.
    static func open(_ location: String, creating: Bool, creatable: Bool = true) async throws -> any QueueDatabase {
        guard PostgresURL.isPostgres(location) else {
            if !creating, !FileManager.default.fileExists(atPath: location) {
                throw CommandFailure(MissingQueue(path: location, creatable: creatable).description)
            }
            do {
                return try SQLiteJobStore(path: location)
            } catch {
                throw CommandFailure("\(error)")
            }
        }
        let url: PostgresURL
        do {
            url = try PostgresURL(location)
        } catch {
            throw CommandFailure("--db: \(error)")
        }
        var logger = Logger(label: "groqbatch.postgres")
        // The pool reports each connection it drops; what matters reaches the command as an error.
        logger.logLevel = .error
        do {
            return try await PostgresJobStore(url: url, logger: logger)
        } catch {
            throw CommandFailure("\(url): \(PostgresQueryError.describe(error))")
        }
    }

    /// Opens the queue for a command that has no settings of its own.
    func open(creating: Bool = false) async throws -> any QueueDatabase {
        try await open(await settings(), creating: creating)
    }
}
