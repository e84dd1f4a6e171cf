import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import QueueStore

/// The PostgreSQL store's transactions: a connection from the client's pool, and a thread of the
/// store's own pool on which the shared, synchronous transaction code runs (`PostgresSession`), between
/// `BEGIN` and `COMMIT` (or `ROLLBACK` when it throws).
///
/// Writes run at READ COMMITTED, PostgreSQL's default: claims take their jobs with `FOR UPDATE SKIP
/// LOCKED`, the meters are serialized per provider (`lockBudgets`), and every transition is guarded by
/// its claim in its `WHERE`. Reads run in one REPEATABLE READ snapshot, as SQLite's reads do.
struct PostgresEngine: SQLEngine {
    let client: PostgresClient
    let threads: NIOThreadPool
    let url: PostgresURL
    let logger: Logger
    /// Says once when the host's clock disagrees with the server's, which the transactions use.
    let skew: ClockSkewWatch

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await threads.runIfActive { [logger, skew] in
                try Self.transaction(PostgresSession(connection: connection, logger: logger, skew: skew), begin: "BEGIN", body)
            }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await threads.runIfActive { [logger, skew] in
                try Self.transaction(
                    PostgresSession(connection: connection, logger: logger, skew: skew), begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
            }
        }
    }

    /// A write on a connection of its own, waited for on the calling thread: a worker's exit runs it
    /// after its tasks (and perhaps the pool's) have stopped.
    func writeNow<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withOwnConnection(begin: "BEGIN", body)
    }

    func readNow<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try withOwnConnection(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func withOwnConnection<T>(begin: String, _ body: (any SQLSession) throws -> T) throws -> T {
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: url.connectionConfiguration(), id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        return try Self.transaction(PostgresSession(connection: connection, logger: logger, skew: skew), begin: begin, body)
    }

    private static func transaction<T>(_ session: PostgresSession, begin: String, _ body: (any SQLSession) throws -> T) throws -> T {
        try session.execute(begin)
        do {
            let result = try body(session)
            try session.execute("COMMIT")
            return result
        } catch {
            if session.isBroken(by: error) {
                // The server ended the session (or the network did): nothing to roll back, and a statement
                // sent on the dying connection would never be answered. The pool replaces it.
                session.abandon()
            } else {
                // The server refused a statement: the transaction is aborted; roll back so the connection
                // goes back to the pool clean.
                _ = try? session.execute("ROLLBACK")
            }
            throw error
        }
    }
}
