import Foundation
import Logging
import PostgresNIO
import PostgresStore

/// The PostgreSQL server `make test` starts (`scripts/with-postgres.sh`), as `GROQBATCH_TEST_POSTGRES`:
/// each test gets a database of its own, dropped when it ends. Without the server, tests that need it
/// are skipped on a developer's machine and fail under `CI=true`.
public enum PostgresTestServer {
    static let environment = ProcessInfo.processInfo.environment
    /// Whether tests that need the server run: it is there, or CI requires it.
    public static let enabled = environment["GROQBATCH_TEST_POSTGRES"] != nil || environment["CI"] == "true"

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "GROQBATCH_TEST_POSTGRES is not set: run the tests through `make test` (scripts/with-postgres.sh starts a server)"
        }
    }

    public static var adminURL: PostgresURL {
        get throws {
            guard let text = environment["GROQBATCH_TEST_POSTGRES"] else { throw Missing() }
            return try PostgresURL(text)
        }
    }

    public static let logger: Logger = {
        var logger = Logger(label: "groqbatch.tests.postgres")
        // The pool logs connections it gives up on at shutdown; only errors say something here.
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` with a running client of `url`'s database, and shuts the client down after.
    @discardableResult
    public static func withClient<Result: Sendable>(_ url: PostgresURL, _ body: @Sendable (PostgresClient) async throws -> Result) async throws -> Result {
        let client = PostgresClient(configuration: try url.configuration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Runs `body` with a new, empty database's store, shut down and dropped after.
    public static func withStore<Result: Sendable>(_ body: @Sendable (PostgresJobStore) async throws -> Result) async throws -> Result {
        try await withDatabase { url in
            let store = try await PostgresJobStore(url: url, logger: logger)
            do {
                let result = try await body(store)
                await store.shutdown()
                return result
            } catch {
                await store.shutdown()
                throw error
            }
        }
    }

    /// The URL as a command line takes it, password included (a test's own server: the product never
    /// prints one).
    public static func connectionString(_ url: PostgresURL) -> String {
        let user = url.username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? url.username
        let password = url.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        return "postgres://\(user)\(password)@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
    }

    /// Runs a query through the real `psql` (an independent reader of the database), printing rows as
    /// `sqlite3` does: columns joined by `|`, one row a line, NULL as nothing.
    public static func psql(_ url: PostgresURL, _ query: String) throws -> String {
        let run = try CommandRun.run("/usr/bin/psql", [connectionString(url), "-X", "-A", "-t", "-F", "|", "-c", query])
        guard run.status == 0 else { throw PsqlFailed(description: "psql: \(run.stderr)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct PsqlFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body` with the URL of a new, empty database, dropped after.
    public static func withDatabase<Result: Sendable>(_ body: @Sendable (PostgresURL) async throws -> Result) async throws -> Result {
        let admin = try adminURL
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await withClient(admin) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var url = admin
        url.database = String(name)
        do {
            let result = try await body(url)
            try await drop(name, admin: admin)
            return result
        } catch {
            try? await drop(name, admin: admin)
            throw error
        }
    }

    private static func drop(_ name: String, admin: PostgresURL) async throws {
        try await withClient(admin) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }
}

extension AsyncSequence {
    /// Every element, in order.
    public func collected() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
