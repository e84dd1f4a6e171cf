import Foundation
import PostgresNIO
import QueueStore

/// What PostgreSQL does its own way: its weather, `VACUUM`, and backups (`pg_dump`).
extension PostgresJobStore {
    /// PostgreSQL's weather: the server unreachable, restarting or shutting down, too many connections,
    /// and the transactions it aborts for the sake of others (serialization failures, deadlocks),
    /// which succeed when tried again. A fault in what was asked (a constraint, bad SQL) is not.
    public func isTransient(_ error: any Error) -> Bool {
        if error is NIOConnectionError || error is IOError || error is ChannelError || error is PostgresNoAnswer { return true }
        guard let error = (error as? PostgresQueryError)?.underlying ?? (error as? PSQLError) else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            guard let state = error.serverInfo?[.sqlState] else { return false }
            // 08: connection exceptions; 40001/40P01: serialization failure, deadlock; 53300: too many
            // connections; 57P01-57P03: admin or crash shutdown, cannot connect now.
            return state.hasPrefix("08") || ["40001", "40P01", "53300", "57P01", "57P02", "57P03"].contains(state)
        default:
            return false
        }
    }

    /// `VACUUM ANALYZE` on the queue's tables (PostgreSQL's autovacuum does this too; by hand it also
    /// refreshes the planner's statistics at once). The database's size before and after, in bytes:
    /// PostgreSQL keeps freed pages for reuse rather than giving them back, so the size rarely drops.
    public func vacuum() async throws -> (before: Int64, after: Int64) {
        let size = "SELECT pg_database_size(current_database())"
        let before = try await engine.read { db in try db.value(Int64.self, size) ?? 0 }
        // VACUUM cannot run inside a transaction block: straight on a pooled connection.
        try await client.withConnection { connection in
            _ = try await connection.query("VACUUM ANALYZE", logger: logger)
        }
        let after = try await engine.read { db in try db.value(Int64.self, size) ?? 0 }
        return (before, after)
    }

    /// A PostgreSQL queue is backed up with PostgreSQL's own tools: this says how.
    public func backup(to destination: String, progress: @escaping @Sendable (Double) -> Void) async throws {
        throw PostgresStoreError(Self.backupAdvice(url: url, destination: destination))
    }

    /// The `pg_dump` command that backs up the queue consistently while workers run (the password from
    /// `PGPASSWORD` or `~/.pgpass`, never the command line).
    public static func backupAdvice(url: PostgresURL, destination: String) -> String {
        var target = url
        target.password = nil
        return """
            a PostgreSQL queue is backed up with pg_dump, which takes one consistent snapshot while workers run:
              pg_dump --format=custom --file=\(destination) '\(target)'
            (the password from PGPASSWORD or ~/.pgpass); restore with pg_restore --dbname=<url> \(destination)
            """
    }
}
