import GRDB

/// Applies the carried migrations that a database has not seen, each once, in order.
///
/// GRDB's `DatabaseMigrator` reads the applied set outside the transaction that applies a migration, so
/// two processes opening a fresh file at once could both apply the first one. Workers start together,
/// so here the check and every application happen in one `BEGIN IMMEDIATE` transaction.
///
/// Foreign keys are off while migrations run, as SQLite requires for rebuilding a table (dropping the
/// old `jobs` would otherwise cascade into `attempts` and `results`), and `PRAGMA foreign_key_check`
/// must find nothing before the transaction commits.
enum MigrationRunner {
    /// Why a database cannot be used by this build.
    struct SchemaTooNewError: Error, CustomStringConvertible {
        var applied: Int
        var known: Int
        var description: String {
            "the database has schema version \(applied), newer than this groqbatch knows (\(known)); upgrade groqbatch"
        }
    }

    /// Why a migration left rows pointing nowhere; the transaction is rolled back.
    struct ForeignKeyViolation: Error, CustomStringConvertible {
        var table: String
        var description: String { "migrating left rows in \(table) without their parent; nothing was changed" }
    }

    static func migrate(_ writer: some DatabaseWriter, migrations: [Migration] = EmbeddedMigrations.all) throws {
        try writer.writeWithoutTransaction { db in
            // PRAGMA foreign_keys is a no-op inside a transaction, so it brackets the transaction.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction(.immediate) {
                try apply(migrations, db)
                return .commit
            }
        }
    }

    static func apply(_ migrations: [Migration], _ db: Database) throws {
        try db.execute(
            sql: """
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
        let pending = migrations.sorted(by: { $0.number < $1.number }).filter { !applied.contains($0.number) }
        for migration in pending {
            try db.execute(sql: migration.sql)
            try db.execute(
                sql: "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
                arguments: [migration.number, migration.name])
        }
        // The check reads every row, so only after a change.
        if !pending.isEmpty, let violation = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
            throw ForeignKeyViolation(table: violation[0])
        }
    }
}
