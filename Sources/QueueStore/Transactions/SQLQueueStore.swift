import Foundation
import JobFormats

/// A queue database whose transactions are SQL run over an `SQLEngine`: `SQLiteJobStore` and the
/// PostgreSQL store. Every operation of `QueueDatabase` but imports, backups and the database's own
/// housekeeping is written once, in the extensions of this protocol and in `QueueSteps`, and runs on
/// both; what differs between their dialects is in the statement enums (`JobsSQL`, `BudgetsSQL`, ...).
public protocol SQLQueueStore: Sendable {
    /// Where the store's transactions run.
    var engine: any SQLEngine { get }
}

extension SQLQueueStore {
    /// `now`, or when nil the time the store's transactions use (SQLite: its host clock; PostgreSQL: the
    /// server's): for the operations that bind a time across several transactions, such as an import's
    /// heartbeat and the cleanup that compares against it, which hosts of a fleet must read alike.
    public func queueTime(_ now: Date?) async throws -> Date {
        if let now { return now }
        return try await engine.read { try $0.transactionTime() }
    }
}

/// The steps the queue's transactions are made of, each inside its caller's transaction, over any
/// `SQLSession`: claims, outcomes, the meters and caps, remote batches, reports.
enum QueueSteps {
    /// A JSON array of strings as the `models` columns hold it. Our own writer, not JSONEncoder: it keeps
    /// `/` as it is, so the column reads as people wrote it.
    static func jsonArray(_ strings: [String]) -> String {
        JSONValue.array(strings.map(JSONValue.string)).jsonString()
    }

    /// A JSON array of `[job id, claim token]` pairs, bound where a statement reads a set of claims.
    static func jsonClaims(_ claims: Set<HeldClaim>) -> String {
        "[" + claims.map { "[\($0.jobID),\($0.claimToken)]" }.sorted().joined(separator: ",") + "]"
    }
}
