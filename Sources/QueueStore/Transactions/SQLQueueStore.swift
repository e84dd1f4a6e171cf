import JobFormats

/// A queue database whose transactions are SQL run over an `SQLEngine`: `SQLiteJobStore` and the
/// PostgreSQL store. Every operation of `QueueDatabase` but imports, backups and the database's own
/// housekeeping is written once, in the extensions of this protocol and in `QueueSteps`, and runs on
/// both; what differs between their dialects is in the statement enums (`JobsSQL`, `BudgetsSQL`, ...).
public protocol SQLQueueStore: Sendable {
    /// Where the store's transactions run.
    var engine: any SQLEngine { get }
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
