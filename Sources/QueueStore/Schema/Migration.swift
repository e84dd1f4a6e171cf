/// One numbered schema change from `migrations/`, carried inside the binary.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with (`0001_queue.sql` is 1).
    public var number: Int
    /// The file name, as recorded in `schema_migrations`.
    public var name: String
    /// The SQL the file holds.
    public var sql: String

    public init(number: Int, name: String, sql: String) {
        self.number = number
        self.name = name
        self.sql = sql
    }
}
