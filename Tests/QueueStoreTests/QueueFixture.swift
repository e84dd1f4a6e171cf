import Foundation
import PostgresStore
import QueueStore
import TestSupport

/// A new, empty queue of either kind for tests that run on both stores, filled through the import
/// interface and read back with the database's own command-line tool (`sqlite3` or `psql`, which print
/// rows alike: `|` between columns, a row a line).
struct QueueFixture: Sendable {
    let kind: StoreKind
    let store: any QueueDatabase
    /// The file (SQLite) or the database's URL with its password (PostgreSQL), for the tools.
    let location: String

    /// Runs `body` with a fixture of `kind`, removed after.
    static func with(_ kind: StoreKind, _ body: @Sendable (QueueFixture) async throws -> Void) async throws {
        let directory = TemporaryDirectory("queue-fixture")
        switch kind {
        case .sqlite:
            let path = directory.path("queue.sqlite")
            try await body(QueueFixture(kind: kind, store: try SQLiteJobStore(path: path), location: path))
        case .postgres:
            try await PostgresTestServer.withStore { store in
                try await body(QueueFixture(kind: kind, store: store, location: PostgresTestServer.connectionString(store.url)))
            }
        }
    }

    /// Imports `jobs` into the batch `spec` names, at `now`, as `groqbatch import` does.
    func add(_ spec: BatchSpec, at now: Date = Date(), _ jobs: [NewJob]) async throws {
        let staged = try await store.beginImport(spec, now: now)
        _ = try await store.stage(jobs, into: staged, now: now)
        try await store.commitImport(staged, now: now)
    }

    /// Imports `count` prompt jobs into `batch`, custom ids `<prefix><n>` (as `StoreFixture.addJobs`).
    func addJobs(_ count: Int, batch: String = "b", prefix: String = "j", models: [String] = ["m1", "m2"], now: Date = Date()) async throws {
        try await add(
            BatchSpec(name: batch, source: "test", models: models), at: now,
            (1...count).map { StoreFixture.job($0, customID: "\(prefix)\($0)", models: models) })
    }

    /// Runs `body` with a second store on the same queue: what another worker process sees, on a host
    /// whose clock is `clock`.
    func withAnother(clock: @escaping @Sendable () -> Date = { Date() }, _ body: @Sendable (any QueueDatabase) async throws -> Void) async throws {
        switch store {
        case let sqlite as SQLiteJobStore: try await body(try SQLiteJobStore(path: sqlite.path, clock: clock))
        case let server as PostgresJobStore:
            let other = try await PostgresJobStore(url: server.url, logger: PostgresTestServer.logger, clock: clock)
            do {
                try await body(other)
            } catch {
                await other.shutdown()
                throw error
            }
            await other.shutdown()
        default: throw QueueFixtureError()
        }
    }

    struct QueueFixtureError: Error {}

    /// A query's rows through the database's own tool.
    func sql(_ query: String) throws -> String {
        let run =
            switch kind {
            case .sqlite: try SQLiteShell.run([location, query])
            case .postgres: try CommandRun.run("/usr/bin/psql", [location, "-X", "-A", "-t", "-F", "|", "-c", query])
            }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + run.stderr
    }
}
