/// The SQL a store speaks. The queue's transactions are written once, over `SQLSession`; where the two
/// dialects differ (locking, a few functions), a statement enum gives each its own text.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

// The few expressions the two dialects spell differently, for the statement enums.
extension SQLDialect {
    /// The model at `index` of a `models` JSON array column, as text.
    func model(at index: String, of models: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(models), '$[' || \(index) || ']')"
        case .postgres: "(\(models)::jsonb ->> \(index))"
        }
    }

    /// The length of a text column in bytes (UTF-8), not characters: what a file of it weighs.
    func byteLength(_ text: String) -> String {
        switch self {
        case .sqlite: "length(CAST(\(text) AS BLOB))"
        case .postgres: "octet_length(\(text))"
        }
    }

    /// A time column (seconds since the epoch) as `YYYY-MM-DD HH:MM:SS`, UTC.
    func dateTime(_ seconds: String) -> String {
        switch self {
        case .sqlite: "datetime(\(seconds), 'unixepoch')"
        case .postgres: "groqbatch_datetime(\(seconds))"
        }
    }

    /// The larger of two values (SQLite's `MAX` with two arguments is a scalar).
    func greatest(_ first: String, _ second: String) -> String {
        switch self {
        case .sqlite: "MAX(\(first), \(second))"
        case .postgres: "GREATEST(\(first), \(second))"
        }
    }

    /// A whole number of minutes since the epoch, rounded down.
    func minute(_ seconds: String) -> String {
        switch self {
        case .sqlite: "CAST(\(seconds) / 60 AS INTEGER)"
        case .postgres: "CAST(FLOOR(\(seconds) / 60) AS BIGINT)"
        }
    }

    /// The pairs of integers of a JSON array of two-element arrays (a bound `?`), as a subquery's rows
    /// of two columns, for a row-value `IN`.
    func integerPairs(of array: String) -> String {
        switch self {
        case .sqlite:
            "SELECT CAST(json_extract(value, '$[0]') AS INTEGER), CAST(json_extract(value, '$[1]') AS INTEGER) FROM json_each(\(array))"
        case .postgres:
            "SELECT CAST(value ->> 0 AS BIGINT), CAST(value ->> 1 AS BIGINT) FROM jsonb_array_elements(CAST(\(array) AS jsonb))"
        }
    }

    /// NULL-safe inequality.
    var isDistinctFrom: String {
        switch self {
        case .sqlite: "IS NOT"
        case .postgres: "IS DISTINCT FROM"
        }
    }

    /// Ends a `SELECT` whose answer decides the transaction's later writes: it locks the rows read until
    /// the transaction ends, so that no other transaction changes them between the read and the writes
    /// (PostgreSQL's READ COMMITTED would let one commit there). SQLite's writes are serialized already.
    var lockingRead: String {
        switch self {
        case .sqlite: ""
        case .postgres: " FOR UPDATE"
        }
    }
}
