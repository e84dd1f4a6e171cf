/// One claim a worker holds: a job and the token of the claim that leased it to the worker
/// (`ClaimedJob.claimToken`). A job leased again to the same worker while its earlier call is still
/// out is held twice, once per claim: the earlier call's end lets go of its own claim only.
public struct HeldClaim: Hashable, Sendable {
    public var jobID: Int64
    /// The claim's token; 0 for a job claimed without one (rows from before tokens, tests).
    public var claimToken: Int64

    public init(jobID: Int64, claimToken: Int64?) {
        self.jobID = jobID
        self.claimToken = claimToken ?? 0
    }

    /// The claim under which `job` was leased.
    public init(_ job: ClaimedJob) {
        self.init(jobID: job.id, claimToken: job.claimToken)
    }
}
