import Foundation
import GRDB

/// One connection inside one transaction, as the queue's transactions use it: run a statement, read its
/// rows. `SQLiteJobStore` hands out a GRDB `Database`; the PostgreSQL store a connection whose calls
/// block a thread of its own pool (never one async code shares), so the same synchronous steps run on
/// both.
///
/// Statements use `?` placeholders (`?NNN` for a numbered one); a PostgreSQL session turns them into
/// `$n`.
public protocol SQLSession {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns how many rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int
    /// How many rows the last statement changed.
    var changesCount: Int { get }
    /// Runs a statement whose answer the caller does not read (an insert, an increment). A store may
    /// send it without waiting: PostgreSQL's session has the server run it in order with the next ones
    /// and reports its failure, if any, at the next statement whose answer is read (or the commit),
    /// saving a round trip's wait per statement. `changesCount` does not count it.
    func send(_ sql: String, _ arguments: SQLArguments) throws
    /// Runs a statement and returns its rows.
    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]
    /// Serializes, until the transaction ends, every transaction that reads and writes the provider's
    /// meters, caps and the day's usage. SQLite's writes are serialized already; PostgreSQL takes a
    /// transaction-scoped advisory lock. Take it before any row lock, so that lock orders never cross.
    func lockBudgets(provider: String) throws
    /// The transaction's time: what `now` means inside it when the caller passed none. SQLite: the
    /// host's clock (the store's `clock`), whose file only its host's processes share. PostgreSQL: the
    /// server's clock, read once and again at each `lockBudgets`, so that hosts whose clocks disagree
    /// still agree on leases, meter windows and cutoffs. Read it after taking the locks the transaction
    /// needs: a lease or a spend counts from when the lock is held.
    func transactionTime() throws -> Date
    /// This host's clock now: what a worker plans by (a retry's time). SQLite's is its transactions'
    /// time; on PostgreSQL the difference from `transactionTime` is how far the server's clock is ahead.
    func hostTime() -> Date
}

extension SQLSession {
    @discardableResult public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    public func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first row, if any.
    public func row(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? { try rows(sql, arguments).first }

    /// The first column of the first row; nil when there is no row or it holds NULL.
    public func value<Value: DatabaseValueConvertible>(_ type: Value.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> Value? {
        try row(sql, arguments).flatMap { $0[0] as Value? }
    }

    /// The first column of every row (NULLs left out).
    public func values<Value: DatabaseValueConvertible>(_ type: Value.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [Value] {
        try rows(sql, arguments).compactMap { $0[0] as Value? }
    }
}
