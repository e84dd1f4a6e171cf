/// The SQL a store speaks. The queue's transactions are written once, over `SQLSession`; where the two
/// dialects differ (locking, a few functions), a statement enum gives each its own text.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}
