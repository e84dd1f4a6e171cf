import Foundation
import QueueStore
import Synchronization

/// The SQLite queue behind a seam that misbehaves on cue: `record` fails as told, and a hook runs
/// between a claim that found nothing and its return (where another task's change can slip in).
final class FaultyStore: JobStore {
    let base: SQLiteJobStore
    /// Errors the next `record` calls throw, one each, before touching the database.
    let recordFailures = Mutex<[any Error]>([])
    /// Runs once, right after the first budget claim that got no job, before that claim returns.
    let afterEmptyClaim = Mutex<(@Sendable () throws -> Void)?>(nil)
    /// How many `record` calls reached the store, and how many were made to fail.
    let recordCalls = Mutex(0)

    init(_ base: SQLiteJobStore) {
        self.base = base
    }

    /// A failure that is not the database's weather: a constraint, a bug.
    struct Refused: Error, CustomStringConvertible {
        var description: String { "refused by the test" }
    }

    /// A failure that is: SQLite's `database is locked`.
    static var busy: any Error { DatabaseBusy() }
    struct DatabaseBusy: Error, CustomStringConvertible {
        var description: String { "database is locked (from the test)" }
    }

    func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date?) async throws -> [ClaimedJob] {
        try await base.claim(workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now)
    }

    func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date?, budget: BudgetContext) async throws -> ClaimResult {
        let result = try await base.claim(workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now, budget: budget)
        if result.jobs.isEmpty,
            let hook = afterEmptyClaim.withLock({ hook in
                defer { hook = nil }
                return hook
            })
        {
            try hook()
        }
        return result
    }

    func record(_ outcomes: [JobOutcome], workerID: String, now: Date?) async throws -> [OutcomeDisposition] {
        recordCalls.withLock { $0 += 1 }
        if let failure = recordFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        return try await base.record(outcomes, workerID: workerID, now: now)
    }

    func renewLeases(workerID: String, holding claims: Set<HeldClaim>?, leaseDuration: TimeInterval, now: Date?) async throws -> Int {
        try await base.renewLeases(workerID: workerID, holding: claims, leaseDuration: leaseDuration, now: now)
    }

    func recoverExpiredLeases(now: Date?, sparing workerID: String?, holding claims: Set<HeldClaim>?) async throws -> Int {
        try await base.recoverExpiredLeases(now: now, sparing: workerID, holding: claims)
    }
    func nextWakeTime() async throws -> Date? { try await base.nextWakeTime() }
    func changeCounter() async throws -> Int64 { try await base.changeCounter() }
    func registerWorker(id: String, host: String, pid: Int32, now: Date?) async throws { try await base.registerWorker(id: id, host: host, pid: pid, now: now) }
    func releaseAll(workerID: String, now: Date?) throws -> Int { try base.releaseAll(workerID: workerID, now: now) }
    func unfinishedCount(batch: String?) async throws -> Int { try await base.unfinishedCount(batch: batch) }
    func unfinishedCount(excludingBatches excluded: Set<Int64>) async throws -> Int { try await base.unfinishedCount(excludingBatches: excluded) }
    func countsByStatus(batch: String?) async throws -> [JobStatus: Int] { try await base.countsByStatus(batch: batch) }
    func pruneSpends(now: Date?) async throws { try await base.pruneSpends(now: now) }
    func discardAbandonedImports(now: Date?) async throws -> Int { try await base.discardAbandonedImports(now: now) }
    func isTransient(_ error: any Error) -> Bool { error is DatabaseBusy || base.isTransient(error) }
}
