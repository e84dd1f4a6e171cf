import Foundation
import GRDB

/// A GRDB connection inside its transaction, as the shared transaction code sees it. Statements are
/// prepared once per connection (GRDB's statement cache).
struct SQLiteSession: SQLSession {
    let db: Database
    let clock: @Sendable () -> Date

    var dialect: SQLDialect { .sqlite }
    var changesCount: Int { db.changesCount }

    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.values))
        return db.changesCount
    }

    /// SQLite answers in the same process: nothing to save by not waiting.
    func send(_ sql: String, _ arguments: SQLArguments) throws {
        try execute(sql, arguments)
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        statement.arguments = StatementArguments(arguments.values)
        let columns = statement.columnNames
        let count = CInt(statement.columnCount)
        let sqliteStatement = statement.sqliteStatement
        let cursor = try Row.fetchCursor(statement)
        var rows: [SQLRow] = []
        // Each value straight from the statement the cursor stepped: copying a row through its lazy
        // `databaseValues` was most of a claim's time on a long queue (generic code, unspecialized in
        // a debug build, once per column of every candidate).
        while try cursor.next() != nil {
            var values: [DatabaseValue] = []
            values.reserveCapacity(Int(count))
            for index in 0..<count { values.append(DatabaseValue(sqliteStatement: sqliteStatement, index: index)) }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    /// SQLite runs one write transaction at a time (`BEGIN IMMEDIATE`): nothing more to lock.
    func lockBudgets(provider: String) throws {}

    /// The host's clock: a SQLite file is shared only by its host's processes.
    func transactionTime() throws -> Date { clock() }

    func hostTime() -> Date { clock() }
}

/// The SQLite file's transactions: GRDB's pool, writes `BEGIN IMMEDIATE`, reads on WAL snapshots.
struct SQLiteEngine: SQLEngine {
    let pool: DatabasePool
    /// The host's clock: the transactions' time.
    let clock: @Sendable () -> Date

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.write { [clock] db in try body(SQLiteSession(db: db, clock: clock)) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { [clock] db in try body(SQLiteSession(db: db, clock: clock)) }
    }

    func writeNow<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteSession(db: db, clock: clock)) }
    }

    func readNow<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db, clock: clock)) }
    }
}
