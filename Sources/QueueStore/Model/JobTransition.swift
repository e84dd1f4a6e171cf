import Foundation
import Scheduler

/// Where a claimed job goes after a call: the worker decides, the store applies it in one transaction.
public enum JobTransition: Sendable, Equatable {
    /// Done: the result row and the `succeeded` status are written together.
    case succeed(JobResult)
    /// Back to the queue on the same model, not before `at`. `counted` false (a rate limit) leaves the
    /// model's tries as they were: waiting for budget is not the job's fault.
    case retry(at: Date, code: String, message: String, counted: Bool = true)
    /// Back to the queue on the model at `modelIndex` of the chain, at once.
    case moveToModel(Int, code: String, message: String)
    /// Failed for good with the last error.
    case fail(code: String, message: String)
    /// Back to the queue untouched, counting no attempt (shutdown, a fatal error elsewhere).
    case release
}

/// A claimed job's call (if one was made) and where the job goes next.
public struct JobOutcome: Sendable, Equatable {
    public var jobID: Int64
    /// The call made, or nil when the job is released without one.
    public var attempt: AttemptRecord?
    public var transition: JobTransition
    /// What the response said about limits and usage, for the GroqQueue's meters (nil without budgets).
    public var observation: ProviderObservation?
    /// The token of the claim under which the call was made (`ClaimedJob.claimToken`); nil applies
    /// to the job whatever its current claim.
    public var claimToken: Int64?

    public init(
        jobID: Int64, attempt: AttemptRecord?, transition: JobTransition, observation: ProviderObservation? = nil, claimToken: Int64? = nil
    ) {
        self.jobID = jobID
        self.attempt = attempt
        self.transition = transition
        self.observation = observation
        self.claimToken = claimToken
    }
}

extension JobOutcome {
    /// The outcome with its retry time moved by `offset` seconds (from the clock it was planned on to
    /// the store's); any other outcome as it is.
    func retrying(shiftedBy offset: TimeInterval) -> JobOutcome {
        guard offset != 0, case .retry(let at, let code, let message, let counted) = transition else { return self }
        var shifted = self
        shifted.transition = .retry(at: at.addingTimeInterval(offset), code: code, message: message, counted: counted)
        return shifted
    }
}

/// What the store did with one `JobOutcome`.
public enum OutcomeDisposition: String, Sendable, Equatable {
    /// The transition was applied.
    case applied
    /// The job was no longer this worker's (its lease expired and another worker took it, or it was
    /// cancelled): the call was logged, the job left as it was.
    case leaseLost
    /// A result came for a job that already had one (a resend after a lease expiry): logged, not stored.
    case duplicateResult
}
