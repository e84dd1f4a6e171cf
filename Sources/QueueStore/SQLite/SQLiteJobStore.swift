import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The job queue in one SQLite file, shared safely by any number of worker processes.
///
/// The file is opened in WAL mode with a busy timeout, so readers never block the writer and writers
/// from other processes wait their turn instead of failing with `database is locked`. Write transactions
/// are `BEGIN IMMEDIATE` (GRDB's default), which avoids the lock-upgrade deadlock no timeout can fix.
public final class SQLiteJobStore: SQLQueueStore {
    /// Settings for opening the file.
    public struct Configuration: Sendable {
        /// How long a write waits for another process's transaction. The default is 60 seconds, longer
        /// than the largest import transaction measured (`make bench`).
        public var busyTimeout: TimeInterval
        /// SQLite's `synchronous` pragma. The default is NORMAL: in WAL mode a process crash loses no
        /// committed transaction; a power loss may lose the last ones, which are then sent again.
        public var synchronous: String

        public init(busyTimeout: TimeInterval = 60, synchronous: String = "NORMAL") {
            self.busyTimeout = busyTimeout
            self.synchronous = synchronous
        }
    }

    /// Why the file could not be opened as a groqbatch queue.
    public struct OpenError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The path of the database file.
    public let path: String
    /// The file, for people: `AdminStore.location`.
    public var location: String { path }
    let pool: DatabasePool
    /// The shared transactions' way into the file (`SQLQueueStore`).
    public let engine: any SQLEngine

    /// Opens (creating with mode 0600 when missing) and migrates the queue at `path`. `clock` is the
    /// host's clock, which the file's transactions read when no time is given (tests shift it).
    public init(path: String, configuration: Configuration = Configuration(), clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = path
        try Self.createPrivately(path)
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        config.foreignKeysEnabled = true
        let synchronous = configuration.synchronous
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            engine = SQLiteEngine(pool: pool, clock: clock)
            try MigrationRunner.migrate(pool)
        } catch let error as DatabaseError {
            throw OpenError(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch let error as MigrationRunner.SchemaTooNewError {
            throw OpenError(path: path, reason: error.description)
        } catch let error as MigrationRunner.ForeignKeyViolation {
            throw OpenError(path: path, reason: error.description)
        }
    }

    /// Creates the file with owner-only permissions before SQLite opens it: prompts and answers are private.
    /// SQLite gives the -wal and -shm files the same permissions.
    static func createPrivately(_ path: String) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw OpenError(path: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
    }

    /// Every table's and view's columns, by name: what another store's schema must also have.
    public func tableColumns() async throws -> [String: Set<String>] {
        try await pool.read { db in
            var columns: [String: Set<String>] = [:]
            let sql = """
                SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'
                """
            for row in try Row.fetchAll(db, sql: sql) { columns[row[0], default: []].insert(row[1]) }
            return columns
        }
    }
}

extension Date {
    /// The form every time column holds.
    var unixSeconds: Double { timeIntervalSince1970 }
}

extension SQLiteJobStore {
    /// SQLite's weather: another process holds the lock past the busy timeout, the disk is full or
    /// briefly unreadable, the file cannot be opened for a moment. A fault in the request (a constraint,
    /// a corrupt file, a misuse) is not weather.
    public func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL, .SQLITE_NOLFS:
            return true
        default:
            return false
        }
    }
}
