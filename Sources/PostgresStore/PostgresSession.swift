import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import QueueStore

/// One PostgreSQL connection inside one transaction, as the shared transaction code uses it. Each call
/// blocks its thread until the server answers: it runs on the store's own thread pool
/// (`PostgresEngine`), never on one async code shares, as GRDB runs SQLite on its own queues.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    let skew: ClockSkewWatch
    private(set) var changesCount = 0
    /// The server's time as last read in this transaction (`transactionTime`).
    private var serverTime: Date?

    init(connection: PostgresConnection, logger: Logger, skew: ClockSkewWatch) {
        self.connection = connection
        self.logger = logger
        self.skew = skew
    }

    var dialect: SQLDialect { .postgres }

    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
        return changesCount
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        changesCount = result.metadata.rows ?? 0
        guard let first = result.rows.first else { return [] }
        let columns = first.map(\.columnName)
        return try result.rows.map { row in SQLRow(columns: columns, values: try row.map(Self.value)) }
    }

    /// An advisory lock per provider, held to the end of the transaction: claims, settlements and limit
    /// changes of one provider's meters and caps take turns, across every host; other providers' do not wait.
    /// The server's time once the lock is held comes with it, at no extra round trip: a transaction
    /// that waited for the lock counts its spends and leases from when it got it.
    func lockBudgets(provider: String) throws {
        try readServerTime(after: "SELECT pg_advisory_xact_lock(\(PostgresMigrationRunner.lockKey), hashtext(?))", [provider])
    }

    /// The server's clock, read once per transaction (and again with each `lockBudgets`): every host of
    /// a fleet then agrees on leases, meter windows and cutoffs, whatever its own clock says.
    func transactionTime() throws -> Date {
        if let serverTime { return serverTime }
        return try readServerTime(after: nil, [])
    }

    func hostTime() -> Date { skew.hostClock() }

    /// Reads `clock_timestamp()` after `statement` (a lock, whose wait counts) has run, in one round trip.
    @discardableResult private func readServerTime(after statement: String?, _ arguments: SQLArguments) throws -> Date {
        let time = "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
        // The CTE's row comes first (one calling a volatile function is never inlined, in any version):
        // the time is read once the lock is held.
        let sql = statement.map { "WITH locked AS (\($0)) \(time) FROM locked" } ?? time
        guard let seconds = try rows(sql, arguments).first.flatMap({ $0[0] as Double? }) else {
            throw PostgresNoServerTime()
        }
        let now = Date(timeIntervalSince1970: seconds)
        serverTime = now
        skew.observe(serverTime: now)
        return now
    }

    /// Sends the statement and returns at once; `await` collects its answer with the next one's.
    func send(_ sql: String, _ arguments: SQLArguments) throws {
        pending.append((issue(sql, arguments), sql))
    }

    /// Statements sent and not yet collected, in order.
    private var pending: [(answer: EventLoopFuture<PostgresQueryResult>, sql: String)] = []

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let answer = issue(sql, arguments)
        // The connection runs statements in order: once this one is answered, so are those sent before
        // it. The first of them that failed is the cause of what followed (an aborted transaction).
        let result = Result { try self.await(answer, sql) }
        let sent = pending
        pending = []
        for (earlier, earlierSQL) in sent { _ = try self.await(earlier, earlierSQL) }
        return try result.get()
    }

    private func issue(_ sql: String, _ arguments: SQLArguments) -> EventLoopFuture<PostgresQueryResult> {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value.storage {
            case .null: bindings.appendNull()
            case .int64(let integer): bindings.append(integer)
            case .double(let double): bindings.append(double)
            case .string(let string): bindings.append(string)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            }
        }
        return connection.query(PostgresQuery(unsafeSQL: PostgresPlaceholders.translate(sql), binds: bindings), logger: logger)
    }

    /// Waits for a statement's answer on this thread.
    private func await(_ answer: EventLoopFuture<PostgresQueryResult>, _ sql: String) throws -> PostgresQueryResult {
        let answered = DispatchSemaphore(value: 0)
        let outcome = NIOLockedValueBox<Result<PostgresQueryResult, any Error>?>(nil)
        answer.whenComplete { result in
            outcome.withLockedValue { $0 = result }
            answered.signal()
        }
        // Never a wait without end: a connection the server closes under a statement may leave it
        // unanswered (seen when pg_terminate_backend lands mid-transaction), so a closed connection ends
        // the wait at once, and a silent one (a network cut without a reset) after `answerTimeout`.
        let deadline = DispatchTime.now() + Self.answerTimeout
        while answered.wait(timeout: min(deadline, .now() + 0.25)) == .timedOut {
            if connection.isClosed || DispatchTime.now() >= deadline {
                abandon()
                throw PostgresNoAnswer(seconds: connection.isClosed ? nil : Self.answerTimeout, statement: sql)
            }
        }
        do {
            return try outcome.withLockedValue { $0! }.get()
        } catch let error as PSQLError {
            throw PostgresQueryError(error, statement: sql)
        }
    }

    /// Closes the connection without waiting: it takes no more statements, and the pool replaces it.
    func abandon() {
        let _: EventLoopFuture<Void> = connection.close()
    }

    /// The longest a statement may go unanswered before its connection is taken for dead. Far above any
    /// statement's time (claims hold the provider's lock for milliseconds; a prune slice takes seconds).
    static let answerTimeout: Double = 120

    /// Whether `error` ended the session itself: the connection closed, or the server shutting it
    /// down (SQLSTATE 57P01-57P03) or losing it (class 08). Such a connection takes no more statements.
    func isBroken(by error: any Error) -> Bool {
        if error is PostgresNoAnswer { return true }
        guard let error = error as? PostgresQueryError else { return false }
        guard let state = error.sqlState else { return true }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    /// A cell as the value SQLite would have given: booleans as 0 or 1, numerics (PostgreSQL's sums
    /// of integers) as integers when whole, JSON and every other type as text.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0 as Int64).databaseValue
        case .int2, .int4, .int8, .oid: return try cell.decode(Int64.self).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .numeric:
            let text = try cell.decode(Decimal.self).description
            if let integer = Int64(text) { return integer.databaseValue }
            return (Double(text) ?? 0).databaseValue
        case .bytea: return Data(buffer: try cell.decode(ByteBuffer.self)).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }
}

/// The server answered a read of its clock with no row (never expected).
struct PostgresNoServerTime: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL server did not say its time" }
}
