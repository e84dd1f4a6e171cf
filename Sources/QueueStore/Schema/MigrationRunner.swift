import GRDB

/// Applies the carried migrations that a database has not seen, each once, in order.
///
/// GRDB's `DatabaseMigrator` reads the applied set outside the transaction that applies a migration, so
/// two processes opening a fresh file at once could both apply the first one. Workers start together,
/// so here the check and every application happen in one `BEGIN IMMEDIATE` transaction.
enum MigrationRunner {
    /// Why a database cannot be used by this build.
    struct SchemaTooNewError: Error, CustomStringConvertible {
        var applied: Int
        var known: Int
        var description: String {
            "the database has schema version \(applied), newer than this groqbatch knows (\(known)); upgrade groqbatch"
        }
    }

    static func migrate(_ writer: some DatabaseWriter, migrations: [Migration] = EmbeddedMigrations.all) throws {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    number     INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
                ) STRICT
                """)
            let applied = Set(try Int.fetchAll(db, sql: "SELECT number FROM schema_migrations"))
            let known = migrations.map(\.number).max() ?? 0
            if let newest = applied.max(), newest > known {
                throw SchemaTooNewError(applied: newest, known: known)
            }
            for migration in migrations.sorted(by: { $0.number < $1.number }) where !applied.contains(migration.number) {
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
                    arguments: [migration.number, migration.name])
            }
        }
    }
}
