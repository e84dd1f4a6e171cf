import Foundation

/// The queue operations a worker needs, whatever database holds the queue.
///
/// SQLite (`SQLiteJobStore`) is the embedded default; a PostgreSQL store for fleets of hosts can implement
/// the same operations later. Every operation is one transaction.
public protocol JobStore: Sendable {
    /// Claims up to `limit` runnable queued jobs in priority order, then age, leasing them to `workerID`.
    func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date) async throws -> [ClaimedJob]
    /// Writes each call's attempt row and applies each job's transition, all in one transaction.
    func record(_ outcomes: [JobOutcome], workerID: String, now: Date) async throws -> [OutcomeDisposition]
    /// Extends the leases of every job `workerID` holds, and its heartbeat. Returns the jobs renewed.
    func renewLeases(workerID: String, until: Date, now: Date) async throws -> Int
    /// Returns running jobs whose lease expired to the queue, counting no attempt. Returns how many.
    func recoverExpiredLeases(now: Date) async throws -> Int
    /// The earliest time a queued job becomes runnable, or nil when none is queued. (Expired leases
    /// are recovered by heartbeats, which bump the change counter.)
    func nextWakeTime() async throws -> Date?
    /// A counter that changes whenever work may have become runnable (import, retry, recovery).
    func changeCounter() async throws -> Int64
}
