import Foundation
import Logging
import PostgresNIO
import QueueStore

/// The queue in a PostgreSQL database, shared by workers on several hosts: the same tables and
/// semantics as `SQLiteJobStore`, in PostgreSQL's terms (row locks, `SKIP LOCKED`, `NOTIFY`).
///
/// In progress (issue 19): imports and the queue's counts are here; claims, outcomes, budgets, reports
/// and administration follow, and the store joins the conformance suite as a whole `QueueDatabase`.
public final class PostgresJobStore: Sendable {
    public let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    /// Runs the client's connection pool for the store's life: PostgresClient works only while its
    /// `run()` does. Cancelled by `shutdown()`.
    private let running: Task<Void, Never>

    /// Connects (lazily: the pool opens connections as queries need them) and applies the schema.
    public init(url: PostgresURL, logger: Logger = Logger(label: "groqbatch.postgres")) async throws {
        self.url = url
        self.logger = logger
        let client = PostgresClient(configuration: try url.configuration(), backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
        do {
            try await PostgresMigrationRunner.migrate(client, logger: logger)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Closes the pool's connections.
    public func shutdown() async {
        running.cancel()
        await running.value
    }

    /// Runs `body` in one transaction; a failure inside it is thrown as itself (not wrapped).
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// Tells idle workers the queue changed: the counter they read, and a notification on the channel
    /// they listen on; both take effect when the caller's transaction commits.
    static func bumpChanges(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE queue_changes SET counter = counter + 1 WHERE id = 1", logger: logger)
        try await connection.query("SELECT pg_notify('groqbatch_queue', '')", logger: logger)
    }

    /// The counter every change that may make work runnable bumps.
    public func changeCounter() async throws -> Int64 {
        let rows = try await client.query("SELECT counter FROM queue_changes WHERE id = 1", logger: logger)
        for try await counter in rows.decode(Int64.self) { return counter }
        return 0
    }

    /// Jobs per status, of one batch or all (staged imports included, as in SQLite).
    public func countsByStatus(batch: String?) async throws -> [JobStatus: Int] {
        let rows =
            if let batch {
                try await client.query(
                    "SELECT status, COUNT(*) FROM jobs WHERE batch_id = (SELECT id FROM batches WHERE name = \(batch)) GROUP BY status", logger: logger)
            } else {
                try await client.query("SELECT status, COUNT(*) FROM jobs GROUP BY status", logger: logger)
            }
        var counts: [JobStatus: Int] = [:]
        for try await (status, count) in rows.decode((String, Int).self) {
            if let status = JobStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    /// Queued and running jobs, of one batch or all batches in sight.
    public func unfinishedCount(batch: String?) async throws -> Int {
        let rows =
            if let batch {
                try await client.query(
                    """
                    SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running') AND batch_id = (SELECT id FROM batches WHERE name = \(batch))
                    """, logger: logger)
            } else {
                try await client.query(
                    """
                    SELECT COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id
                    WHERE j.status IN ('queued', 'running') AND b.import_heartbeat IS NULL
                    """, logger: logger)
            }
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
