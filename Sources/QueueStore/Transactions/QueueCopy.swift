import Foundation

/// `groqbatch copy`: a whole queue (batches, jobs, attempts, results, remote batches, meters, estimators,
/// the day's usage, model lists, prompt prefixes, workers) from one store into another, empty one, in
/// one transaction of the destination: all of it or nothing. A user who outgrows the SQLite file keeps
/// their history in PostgreSQL (and the way back works the same).
///
/// Rows keep their ids, so every reference between them holds. The source is read a page at a time,
/// by id, while the destination's transaction is open; workers on the source should be stopped first.
public enum QueueCopy {
    /// How many rows of each table were copied, in copy order.
    public typealias Summary = [(table: String, rows: Int)]

    /// Why a copy did not start.
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// The tables in an order that satisfies their references, each with the integer key it is paged
    /// by (nil: small tables, read whole).
    static let tables: [(name: String, key: String?)] = [
        ("batches", "id"), ("jobs", "id"), ("attempts", "id"), ("results", "job_id"), ("remote_batches", "id"), ("budgets", "id"),
        ("budget_spends", "id"), ("token_estimates", nil), ("usage_days", nil), ("provider_models", nil), ("prompt_prefixes", nil),
        ("workers", nil),
    ]

    /// Rows per read of the source.
    static let pageSize = 2_000

    public static func copy(
        from source: any SQLQueueStore, to destination: any SQLQueueStore, progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> [String: Int] {
        let sourceEngine = source.engine
        return try await destination.engine.write { target in
            guard try target.value(Int.self, "SELECT COUNT(*) FROM batches") == 0 else {
                throw Refused(description: "the destination already holds batches: copy into a new, empty queue")
            }
            var copied: [String: Int] = [:]
            for table in tables {
                var after: Int64 = .min
                var count = 0
                while true {
                    let rows = try sourceEngine.readNow { db in
                        if let key = table.key {
                            return try db.rows("SELECT * FROM \(table.name) WHERE \(key) > ? ORDER BY \(key) LIMIT ?", [after, pageSize])
                        }
                        return try db.rows("SELECT * FROM \(table.name)")
                    }
                    guard let first = rows.first else { break }
                    try insert(rows, columns: first.columns, into: table.name, target)
                    count += rows.count
                    progress(table.name, count)
                    guard let key = table.key, rows.count == pageSize else { break }
                    after = rows.last![key]
                }
                copied[table.name] = count
            }
            if target.dialect == .postgres {
                // Rows came with their ids: the identity sequences go on after the largest.
                for table in tables where table.key == "id" {
                    try target.execute(
                        "SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE((SELECT MAX(id) FROM \(table.name)), 0) + 1, false)")
                }
            }
            try target.execute(WorkersSQL.bumpChanges)
            return copied
        }
    }

    /// One multi-row INSERT per slice, under both dialects' limits on bound values.
    private static func insert(_ rows: [SQLRow], columns: [String], into table: String, _ target: any SQLSession) throws {
        let perStatement = max(1, 30_000 / columns.count)
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let slice = rows[start..<min(start + perStatement, rows.count)]
            var arguments = SQLArguments()
            for row in slice { arguments.values += row.values }
            try target.execute(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(Array(repeating: placeholders, count: slice.count).joined(separator: ", "))",
                arguments)
        }
    }
}
