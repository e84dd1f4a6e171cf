import Foundation

/// The queue operations a worker needs, whatever database holds the queue.
///
/// SQLite (`SQLiteJobStore`) is the embedded default; a PostgreSQL store for fleets of hosts implements
/// the same operations. Every operation is one transaction. Operations that take `now` read the
/// transaction's time once it holds its locks when it is nil (what workers pass): SQLite's is the host's
/// clock, PostgreSQL's the server's, so a fleet's hosts agree on leases, windows and cutoffs whatever
/// their own clocks say. Tests pass an instant to travel in time.
public protocol JobStore: Sendable {
    /// Claims up to `limit` runnable queued jobs in priority order, then age, leasing them to `workerID`.
    func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date?) async throws -> [ClaimedJob]
    /// Claims up to `limit` jobs whose cost fits every meter of their model (the GroqQueue), spending
    /// it in the same transaction, and moves or fails those that can never run, without a call.
    func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date?, budget: BudgetContext) async throws -> ClaimResult
    /// Writes each call's attempt row and applies each job's transition, all in one transaction. A
    /// transition applies only while the job is under the claim that made the call (`claimToken`).
    func record(_ outcomes: [JobOutcome], workerID: String, now: Date?) async throws -> [OutcomeDisposition]
    /// Extends by `leaseDuration` from now the leases `workerID` holds, and its heartbeat: of the claims
    /// in `holding` (those it knows it works on), or of all its jobs when nil. Returns the jobs renewed.
    ///
    /// A worker names its claims: a claim whose commit was lost with its connection (PostgreSQL) may
    /// have leased it jobs it never heard of; unrenewed, they come back through their leases. Claims, not
    /// jobs: a job leased to it again while an earlier call on it is out is held by each claim apart.
    func renewLeases(workerID: String, holding claims: Set<HeldClaim>?, leaseDuration: TimeInterval, now: Date?) async throws -> Int
    /// Returns running jobs whose lease expired to the queue, counting no attempt, except those of
    /// `sparing` (the worker asking: its leases can only look expired when its own renewals were held
    /// up, by a busy database say, while its calls are still out), or only those of its claims in
    /// `holding` when given. Returns how many.
    func recoverExpiredLeases(now: Date?, sparing workerID: String?, holding claims: Set<HeldClaim>?) async throws -> Int
    /// The earliest time a queued job becomes runnable, or nil when none is queued. (Expired leases
    /// are recovered by heartbeats, which bump the change counter.)
    func nextWakeTime() async throws -> Date?
    /// A counter that changes whenever work may have become runnable (import, retry, recovery).
    func changeCounter() async throws -> Int64
    /// Records a worker process, so `status` and people can see who holds leases.
    func registerWorker(id: String, host: String, pid: Int32, now: Date?) async throws
    /// Returns every job `workerID` still holds to the queue, counting no attempt. Synchronous on
    /// purpose: it runs while a worker exits, when its task may already be cancelled.
    @discardableResult func releaseAll(workerID: String, now: Date?) throws -> Int
    /// Jobs queued or running, of one batch or all: what a draining worker waits for.
    func unfinishedCount(batch: String?) async throws -> Int
    /// Jobs queued or running outside the given batches (those paused by their caps).
    func unfinishedCount(excludingBatches excluded: Set<Int64>) async throws -> Int
    /// Jobs per status, of one batch or all, for progress lines.
    func countsByStatus(batch: String?) async throws -> [JobStatus: Int]
    /// Deletes settled spends older than any meter's window.
    func pruneSpends(now: Date?) async throws
    /// Deletes what imports that died mid-file staged (out of every worker's sight); returns how many.
    @discardableResult func discardAbandonedImports(now: Date?) async throws -> Int
    /// Returns when the queue may have changed (work imported, retried, recovered or released by another
    /// process) or once `timeout` has passed, whichever comes first; at once when the task is cancelled.
    /// A store that is told of changes (PostgreSQL's LISTEN) returns early; others just wait.
    func waitForChange(timeout: TimeInterval) async
    /// Whether `error` is the database's weather (busy, locked, briefly unreachable, out of space for a
    /// moment): worth waiting out and trying again, as opposed to a fault in what was asked.
    func isTransient(_ error: any Error) -> Bool
}

extension JobStore {
    /// Renews every lease of `workerID`.
    public func renewLeases(workerID: String, leaseDuration: TimeInterval, now: Date?) async throws -> Int {
        try await renewLeases(workerID: workerID, holding: nil, leaseDuration: leaseDuration, now: now)
    }

    /// Recovers expired leases, sparing all of `workerID`'s.
    public func recoverExpiredLeases(now: Date?, sparing workerID: String?) async throws -> Int {
        try await recoverExpiredLeases(now: now, sparing: workerID, holding: nil)
    }

    /// Without notifications: the idle worker's poll interval passes, then it reads the change counter.
    public func waitForChange(timeout: TimeInterval) async {
        try? await Task.sleep(for: .seconds(timeout))
    }
}
