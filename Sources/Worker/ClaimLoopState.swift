import Foundation
import QueueStore

/// What the claim loop knows between its turns, and the small decisions it makes from it: how many jobs
/// to ask for, whether a claim is worth its transaction, what a claim's result and a finished call change.
struct ClaimLoopState {
    var inFlight = 0
    /// Jobs claimed since the worker started (`--max-jobs` counts them).
    var claimed = 0
    /// Whether a timer task is waiting in the group: one at a time.
    var timerPending = false
    /// Set when the last claim got fewer jobs than it asked for: the change counter read before that
    /// claim, and when the first waiting job becomes due. Nil while work flows.
    var idleSince: (counter: Int64, wake: Date?)?
    /// When calls in flight are cancelled after a shutdown began.
    var graceDeadline: Date?
    /// Batches whose cap stopped their next job at the last claim.
    var capped = Set<Int64>()
    /// The day's cap stopped every job at the last claim.
    var dayCapReached = false
    /// The run window is closed until then.
    var closedUntil: Date?
    var weather = DatabaseWeather()
    /// Whether a call ending may let the last claim's waiting jobs go before their wake
    /// (`ClaimResult.finishesMayAdmit`).
    var finishesMayAdmit = true

    /// How many jobs to ask for: the free slots, within `--max-jobs`; one while probing an unreachable
    /// provider.
    func claimLimit(concurrency: Int, maxJobs: Int?, probing: Bool) -> Int {
        var limit = concurrency - inFlight
        if let maxJobs { limit = min(limit, maxJobs - claimed) }
        return probing ? min(limit, 1) : limit
    }

    /// Whether enough slots are free to be worth a claim's write transaction: `refillBatch` of them, or
    /// all when nothing runs.
    func wantsClaim(concurrency: Int, refillBatch: Int) -> Bool {
        concurrency - inFlight >= refillBatch || inFlight == 0
    }

    /// Takes in what a claim of `limit` jobs brought; returns whether the day's cap was reached by it
    /// (it was not at the claim before), to say so once.
    mutating func absorb(_ claim: ClaimResult, asked limit: Int, counterBeforeClaim: Int64) -> Bool {
        inFlight += claim.jobs.count
        claimed += claim.jobs.count
        // Fewer than asked: nothing more is runnable now; remember when to look again.
        idleSince = claim.jobs.count < limit ? (counterBeforeClaim, claim.wakeAt) : nil
        finishesMayAdmit = claim.finishesMayAdmit
        capped = claim.pausedBatches
        let newlyCapped = claim.dayCapReached && !dayCapReached
        dayCapReached = claim.dayCapReached
        return newlyCapped
    }

    /// A call finished: its slot is free. Look again when its job went back to the queue, or when its
    /// end may have let a waiting job go (tokens given back, a scout's answer); when only time will
    /// (request counts, a 429's block), the last claim's wake stands. Claiming at every finished call
    /// in a paced burst cost a whole claim, a scan of the queue, per call.
    mutating func finished(requeued: Bool) {
        inFlight -= 1
        if requeued || finishesMayAdmit { idleSince = nil }
    }
}
