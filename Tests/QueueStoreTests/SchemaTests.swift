import Foundation
import TestSupport
import Testing

@testable import QueueStore

struct SchemaTests {
    @Test func theCarriedMigrationsEqualTheFilesInMigrations() throws {
        let folder = PackagePaths.path("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { $0 } == EmbeddedMigrations.all.map(\.name), "run `make migrations` after editing migrations/")
        for migration in EmbeddedMigrations.all {
            let text = try String(contentsOfFile: folder + "/" + migration.name, encoding: .utf8)
            #expect(migration.sql == text.trimmingCharacters(in: .newlines), "\(migration.name) differs: run `make migrations`")
            #expect(migration.number == Int(migration.name.prefix(while: \.isNumber)))
        }
    }

    @Test func aNewFileIsPrivateWalAndMigratedOnce() throws {
        let fixture = try StoreFixture()
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try fixture.sqlite3("PRAGMA journal_mode") == "wal")
        #expect(
            try fixture.sqlite3("SELECT group_concat(number) FROM schema_migrations")
                == "\(EmbeddedMigrations.all.map(\.number).map(String.init).joined(separator: ","))")
        // Opening again applies nothing twice.
        _ = try SQLiteJobStore(path: fixture.path)
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM schema_migrations") == "\(EmbeddedMigrations.all.count)")
        #expect(try fixture.sqlite3("SELECT strict FROM pragma_table_list WHERE name = 'jobs'") == "1")
    }

    @Test func manyProcessesOpeningAFreshFileAtOnceAllSucceed() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("fresh.sqlite")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = try SQLiteJobStore(path: path) }
            }
            try await group.waitForAll()
        }
        let store = try SQLiteJobStore(path: path)
        #expect(try await store.appliedMigrations() == EmbeddedMigrations.all.map(\.number))
    }

    @Test func aFileFromANewerGroqbatchIsRefused() throws {
        let fixture = try StoreFixture()
        _ = try fixture.sqlite3("INSERT INTO schema_migrations (number, name) VALUES (999, '0999_future.sql')")
        #expect(throws: SQLiteJobStore.OpenError.self) { _ = try SQLiteJobStore(path: fixture.path) }
    }

    @Test func aFileThatIsNotADatabaseIsOneClearError() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("notes.sqlite", String(repeating: "not sqlite at all\n", count: 100))
        do {
            _ = try SQLiteJobStore(path: path)
            Issue.record("opened a text file as a database")
        } catch let error as SQLiteJobStore.OpenError {
            #expect(error.description.contains("notes.sqlite"))
            #expect(!error.description.contains("\n"))
        }
    }
}
