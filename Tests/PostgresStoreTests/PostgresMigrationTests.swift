import Foundation
import PostgresNIO
import PostgresStore
import QueueStore
import TestSupport
import Testing

struct PostgresMigrationTests {
    @Test func theCarriedMigrationsEqualTheFilesInMigrationsPostgres() throws {
        let folder = PackagePaths.path("migrations/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == EmbeddedPostgresMigrations.all.map(\.name), "run `make migrations` after editing migrations/postgres/")
        for migration in EmbeddedPostgresMigrations.all {
            let text = try String(contentsOfFile: folder + "/" + migration.name, encoding: .utf8)
            #expect(migration.sql == text.trimmingCharacters(in: .newlines), "\(migration.name) differs: run `make migrations`")
        }
    }

    @Test func statementsSplitOnlyWhereTheyEnd() {
        let sql = """
            -- a comment; not a statement
            CREATE TABLE t (a TEXT DEFAULT 'x;y', "b;c" INT); /* block; comment */
            CREATE FUNCTION f() RETURNS TEXT LANGUAGE sql AS $body$ SELECT 'a;b'; $body$;
            INSERT INTO t (a) VALUES ('it''s; fine')
            """
        #expect(
            SQLStatements.split(sql) == [
                #"CREATE TABLE t (a TEXT DEFAULT 'x;y', "b;c" INT)"#, "CREATE FUNCTION f() RETURNS TEXT LANGUAGE sql AS $body$ SELECT 'a;b'; $body$",
                "INSERT INTO t (a) VALUES ('it''s; fine')",
            ])
    }

    @Test(.enabled(if: PostgresTestServer.enabled))
    func workersStartingTogetherOnAnEmptyDatabaseApplyEachMigrationOnce() async throws {
        try await PostgresTestServer.withDatabase { url in
            // Eight runners at once, each with its own client (as eight hosts would have).
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await PostgresTestServer.withClient(url) { client in
                            try await PostgresMigrationRunner.migrate(client, logger: PostgresTestServer.logger)
                        }
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            let all = EmbeddedPostgresMigrations.all.map(\.number)
            #expect(applied.filter { !$0.isEmpty } == [all], "one runner applied them all, the others found them applied")
            try await PostgresTestServer.withClient(url) { client in
                let numbers = try await client.query("SELECT number FROM schema_migrations ORDER BY number").decode(Int.self).collected()
                #expect(numbers == all)
                // The schema is the SQLite store's: the same views, readable.
                for view in ["job_results", "batch_progress", "usage_by_model_day", "cost_by_model_day", "stats", "call_stats", "budget_status"] {
                    let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(view)")).decode(Int.self).collected()
                    #expect(rows == [0], "\(view)")
                }
                #expect(try await PostgresMigrationRunner.migrate(client, logger: PostgresTestServer.logger).isEmpty, "a second start applies nothing")
            }
        }
    }

    @Test(.enabled(if: PostgresTestServer.enabled))
    func aDatabaseFromANewerGroqbatchIsRefused() async throws {
        try await PostgresTestServer.withDatabase { url in
            try await PostgresTestServer.withClient(url) { client in
                try await PostgresMigrationRunner.migrate(client, logger: PostgresTestServer.logger)
                try await client.query("INSERT INTO schema_migrations (number, name) VALUES (999, '0999_future.sql')")
                await #expect(throws: PostgresMigrationRunner.SchemaTooNewError.self) {
                    try await PostgresMigrationRunner.migrate(client, logger: PostgresTestServer.logger)
                }
            }
        }
    }

    @Test(.enabled(if: PostgresTestServer.enabled))
    func theSchemaHasEveryColumnOfTheSQLiteSchema() async throws {
        // Column names per table, as SQLite's store has them after every migration.
        let directory = TemporaryDirectory("schema")
        let sqlite = try SQLiteJobStore(path: directory.path("q.sqlite"))
        let expected = try await sqlite.tableColumns()
        try await PostgresTestServer.withDatabase { url in
            try await PostgresTestServer.withClient(url) { client in
                try await PostgresMigrationRunner.migrate(client, logger: PostgresTestServer.logger)
                var found: [String: Set<String>] = [:]
                let rows = try await client.query(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                ).decode((String, String).self)
                for try await (table, column) in rows { found[table, default: []].insert(column) }
                for (table, columns) in expected {
                    #expect(found[table] == columns, "\(table): SQLite has \(columns.sorted()), PostgreSQL \(found[table]?.sorted() ?? [])")
                }
            }
        }
    }
}
