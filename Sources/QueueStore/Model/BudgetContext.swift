import Foundation
import Scheduler

/// What a budget-aware claim needs: whose limits (the provider's base URL) and where they start.
public struct BudgetContext: Sendable {
    public var provider: String
    public var catalog: ModelCatalog
    /// `work --max-tokens-per-day`: tokens per UTC day across all batches. The default is none.
    public var dailyTokenCap: Int?
    /// `work --max-cost-per-day`: estimated US dollars per UTC day. The default is none.
    public var dailyCostCap: Double?
    /// Order for the provider's prompt cache: the first job of a cold shared prefix goes alone and its
    /// group follows once it has answered. The default is on (`work --no-cache-aware` turns it off).
    public var cacheAware = true

    /// How long after its last answer a prefix counts as cached: a little under Groq's two hours.
    public static let prefixLifetime: Double = 6_600

    public init(provider: String, catalog: ModelCatalog, dailyTokenCap: Int? = nil, dailyCostCap: Double? = nil) {
        self.provider = provider
        self.catalog = catalog
        self.dailyTokenCap = dailyTokenCap
        self.dailyCostCap = dailyCostCap
    }
}

/// What a claim got: the jobs, and when to look again if it got fewer than it asked for.
public struct ClaimResult: Sendable {
    public var jobs: [ClaimedJob]
    /// The earliest instant a queued job becomes runnable or fits its budget; nil when none is waiting.
    public var wakeAt: Date?
    /// Jobs moved on or failed because they can never fit their model's limits.
    public var tooLarge: Int
    /// Batches whose cap stopped their next job: their jobs wait, queued.
    public var pausedBatches: Set<Int64>
    /// The day's cap stopped every job until the next UTC day.
    public var dayCapReached: Bool
    /// Queued jobs this claim found past their batch's deadline and marked expired.
    public var expired: Int
    /// Jobs moved on or failed without a call: their model is decommissioned or their prompt too long for it.
    public var unusable: Int
    /// Of the jobs above (and of `--model auto` jobs no model fits): how many moved to their next model,
    /// and how many failed for good. A worker's summary counts them with the outcomes of its calls.
    public var movedWithoutCall = 0
    public var failedWithoutCall = 0
    /// The claim's time on the store's clock (PostgreSQL: the server's), the frame `wakeAt` is in.
    public var claimedAt: Date?
    /// Whether a call ending may let more go before `wakeAt` (`Admission.Decision.finishesMayAdmit`);
    /// true unless the claim knows that only time will.
    public var finishesMayAdmit = true

    public init(
        jobs: [ClaimedJob], wakeAt: Date?, tooLarge: Int, unusable: Int = 0, pausedBatches: Set<Int64> = [],
        dayCapReached: Bool = false, expired: Int = 0
    ) {
        self.unusable = unusable
        self.jobs = jobs
        self.wakeAt = wakeAt
        self.tooLarge = tooLarge
        self.pausedBatches = pausedBatches
        self.dayCapReached = dayCapReached
        self.expired = expired
    }
}

extension ClaimResult {
    /// `wakeAt` on the clock of a host whose clock reads `hostNow`: as long after now as the store's
    /// wake is after the claim. A host whose clock runs ahead of the store's would otherwise find the
    /// wake already past and claim again at once, over and over, until the store's clock caught up.
    public func wake(onHostClockAt hostNow: Date) -> Date? {
        guard let wakeAt, let claimedAt else { return wakeAt }
        return hostNow.addingTimeInterval(wakeAt.timeIntervalSince(claimedAt))
    }
}
