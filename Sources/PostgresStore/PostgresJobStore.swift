import Foundation
import Logging
import NIOPosix
import PostgresNIO
import QueueStore
import Synchronization

/// The queue in a PostgreSQL database, shared by workers on several hosts: the same tables, the same
/// transactions (`SQLQueueStore`) and semantics as `SQLiteJobStore`, in PostgreSQL's terms: claims with
/// `FOR UPDATE SKIP LOCKED`, a provider's meters behind an advisory lock, `NOTIFY` on every change that
/// may wake a worker. Imports are its own (one `INSERT ... SELECT FROM unnest` per chunk).
public final class PostgresJobStore: SQLQueueStore, QueueDatabase {
    public let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    /// The threads the shared synchronous transactions block on (never the ones async code shares).
    let threads: NIOThreadPool
    public let engine: any SQLEngine
    /// Runs the client's connection pool for the store's life: PostgresClient works only while its
    /// `run()` does. Cancelled by `shutdown()`.
    private let running: Task<Void, Never>
    /// Idle workers' wake-ups: fired by the notifications `listener` receives.
    let changes = ChangeSignal()
    /// LISTENs on one pooled connection once a worker first waits for a change (commands that only read
    /// never open it), reconnecting when it drops.
    let listener = Mutex<Task<Void, Never>?>(nil)

    /// Transactions that may run at once in this process: a worker's claims, outcomes and heartbeats,
    /// and the dashboard's reads. Each holds a connection and a thread while it runs.
    static let concurrentTransactions = 16

    /// Connects (lazily: the pool opens connections as queries need them) and applies the schema.
    /// `clock` is the host's clock: the transactions use the server's instead, and the store says once
    /// when the two disagree (tests shift it).
    public init(
        url: PostgresURL, logger: Logger = Logger(label: "groqbatch.postgres"), clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        try await Self.firstContact(url, logger: logger)
        self.url = url
        self.logger = logger
        var configuration = try url.configuration()
        configuration.options.maximumConnections = Self.concurrentTransactions
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        threads = NIOThreadPool(numberOfThreads: Self.concurrentTransactions)
        threads.start()
        engine = PostgresEngine(client: client, threads: threads, url: url, logger: logger, skew: ClockSkewWatch(hostClock: clock, logger: logger))
        running = Task { await client.run() }
        do {
            try await PostgresMigrationRunner.migrate(client, logger: logger)
        } catch {
            await shutdown()
            throw error
        }
    }

    /// How long the first connection may take before the store says it cannot reach the server.
    static let firstContactTimeout: TimeAmount = .seconds(5)

    /// Opens one connection and closes it, so that a wrong password, a missing database or a server
    /// that does not listen is said at once in the server's (or the socket's) words: the pool would
    /// retry with backoff for a minute and then report only its own circuit breaker.
    static func firstContact(_ url: PostgresURL, logger: Logger) async throws {
        var configuration = try url.connectionConfiguration()
        configuration.options.connectTimeout = firstContactTimeout
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try? await connection.close()
    }

    /// Closes the pool's connections and stops the store's threads.
    public func shutdown() async {
        let listening = listener.withLock { $0 }
        listening?.cancel()
        await listening?.value
        running.cancel()
        await running.value
        try? await threads.shutdownGracefully()
    }

    /// The server and database, without the password.
    public var location: String { url.description }

    /// Runs `body` in one transaction on a pooled connection (the import's async statements); a failure
    /// inside it is thrown as itself (not wrapped).
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// Tells idle workers the queue changed: the counter they read (its trigger NOTIFYs the channel
    /// they listen on); both take effect when the caller's transaction commits.
    static func bumpChanges(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE queue_changes SET counter = counter + 1 WHERE id = 1", logger: logger)
    }

    /// The channel every bump of the change counter notifies (its trigger, in the schema).
    static let channel = "groqbatch_queue"

    /// Returns at the next notification that the queue changed, or after `timeout`.
    public func waitForChange(timeout: TimeInterval) async {
        listener.withLock { task in
            if task == nil { task = Task { await self.listen() } }
        }
        await changes.wait(timeout: timeout)
    }

    /// Holds a LISTEN until cancelled, reconnecting with backoff. A listener that (re)connects wakes the
    /// waiters once: a change made while it was away would otherwise wait for their next poll.
    private func listen() async {
        var delay = 0.1
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        await changes.fire()
                        delay = 0.1
                        for try await _ in notifications { await changes.fire() }
                    }
                }
            } catch {
                if !Task.isCancelled { logger.debug("listening for queue changes: \(PostgresQueryError.describe(error)); connecting again") }
            }
            try? await Task.sleep(for: .seconds(delay))
            delay = min(delay * 2, 5)
        }
    }
}
