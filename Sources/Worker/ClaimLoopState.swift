import Foundation
import QueueStore

/// What the claim loop knows between its turns, and the small decisions it makes from it: how many jobs
/// to ask for, whether a claim is worth its transaction, what a claim's result and a finished call change.
struct ClaimLoopState {
    var inFlight = 0
    /// Jobs claimed since the worker started (`--max-jobs` counts them).
    var claimed = 0
    /// The latest timer started in the group and when it fires; nil once it fired.
    var timer: (serial: Int, firesAt: Date)?
    var lastTimerSerial = 0
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

    /// A call finished: its slot is free. Look again when its end may let a job go now: it did not
    /// succeed (its job went back to the queue, or a refused call gave its requests back), the last
    /// claim waited on tokens, a cap or a scout's answer, or on a wake far enough away (a second or
    /// more) that one claim per finished call costs nothing next to it (an answer's headers may have
    /// raised a daily limit). When only time frees what a paced burst waits for, the claim's wake
    /// stands: claiming at every finished call cost a whole claim, a scan of the queue, per call.
    mutating func finished(freesBudget: Bool, at now: Date = Date()) {
        inFlight -= 1
        let wakeIsNear = idleSince?.wake.map { $0.timeIntervalSince(now) < 1 } ?? false
        if freesBudget || finishesMayAdmit || !wakeIsNear { idleSince = nil }
    }
}
