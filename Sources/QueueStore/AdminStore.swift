import Foundation
import Scheduler

/// What the commands that change the queue by hand need: `cancel`, `retry`, `prune`, `vacuum`,
/// `backup`, `limits set/reset`, `models --refresh`. Each change is one transaction (`prune` and
/// `backup` go a slice at a time).
public protocol AdminStore: Sendable {
    /// Where the queue is, for people: a file's path (a server's address without its password).
    var location: String { get }
    /// Cancels a batch's unfinished jobs; returns how many.
    func cancel(batch: String, now: Date) async throws -> Int
    /// Cancels one job; false when it had finished already.
    func cancel(jobID: Int64, now: Date) async throws -> Bool
    /// Queues the jobs of the given statuses again (of one batch or all), with a new deadline or none.
    func requeue(_ statuses: [JobStatus], batch: String?, newDeadline: Date?, now: Date) async throws -> Int
    /// Queues one failed or cancelled job again, from the head of its chain; false when it is neither.
    func requeue(jobID: Int64, now: Date) async throws -> Bool
    /// Marks queued jobs of batches past their deadline expired; returns how many.
    func expireOverdue(now: Date?) async throws -> Int
    /// Deletes batches finished before `cutoff`, a slice of jobs per transaction.
    func prune(
        finishedBefore cutoff: Date, batch: String?, slice: Int, dryRun: Bool, progress: (PruneSummary) -> Void
    ) async throws -> PruneSummary
    /// A consistent copy of the queue, taken while workers run.
    func backup(to destination: String, progress: @escaping @Sendable (Double) -> Void) async throws
    /// Gives free pages back to the file system; the sizes before and after.
    func vacuum() async throws -> (before: Int64, after: Int64)
    /// Pins limits for a provider's model (`limits set`).
    func setLimits(provider: String, model: String, limits: [LimitKind: Int], now: Date) async throws
    /// Forgets pinned and learned limits; returns how many meters.
    func resetLimits(provider: String?, model: String?) async throws -> Int
    /// Moves a provider's meters, estimator, model list and prefixes from older spellings of its base URL
    /// to its `ProviderKey`; returns the spellings moved.
    func adoptProviderSpellings(_ provider: String) async throws -> [String]
    /// Stores the provider's model list, and says what changed.
    func refreshProviderModels(provider: String, listed: [ProviderModel], catalogIDs: Set<String>, now: Date) async throws -> ModelRefresh
}
