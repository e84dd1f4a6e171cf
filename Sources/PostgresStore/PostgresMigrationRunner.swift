import Logging
import PostgresNIO
import QueueStore

/// Applies the carried PostgreSQL migrations a database has not seen, each once, in order, all in one
/// transaction under an advisory lock: workers on several hosts starting together on an empty database
/// wait for the first, then find its migrations applied. Recorded in `schema_migrations`, as in SQLite.
public enum PostgresMigrationRunner {
    /// The advisory lock's key, the same for every groqbatch: "groq" in ASCII.
    static let lockKey: Int64 = 0x6772_6F71

    /// Why a database cannot be used by this build.
    public struct SchemaTooNewError: Error, CustomStringConvertible {
        public var applied: Int
        public var known: Int
        public var description: String {
            "the database has schema version \(applied), newer than this groqbatch knows (\(known)); upgrade groqbatch"
        }
    }

    /// Applies what is missing; returns the numbers it applied (none when the database was up to date).
    @discardableResult
    public static func migrate(
        _ client: PostgresClient, migrations: [Migration] = EmbeddedPostgresMigrations.all, logger: Logger
    ) async throws -> [Int] {
        do {
            return try await apply(migrations, client: client, logger: logger)
        } catch let error as PostgresTransactionError {
            // The transaction's wrapper says where; the reason is what the caller can act on.
            throw error.closureError ?? error
        }
    }

    private static func apply(_ migrations: [Migration], client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    number     INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await number in try await connection.query("SELECT number FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(number)
            }
            let known = migrations.map(\.number).max() ?? 0
            if let newest = applied.max(), newest > known { throw SchemaTooNewError(applied: newest, known: known) }
            var done: [Int] = []
            for migration in migrations.sorted(by: { $0.number < $1.number }) where !applied.contains(migration.number) {
                for statement in SQLStatements.split(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (number, name) VALUES (\(migration.number), \(migration.name))", logger: logger)
                done.append(migration.number)
            }
            return done
        }
    }
}
