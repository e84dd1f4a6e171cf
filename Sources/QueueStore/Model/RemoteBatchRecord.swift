import Foundation

/// One remote batch as the queue records it (table `remote_batches`): where it is in
/// preparing → uploaded → submitted → collecting → done, and what the provider called it.
public struct RemoteBatchRecord: Sendable, Equatable {
    public var id: Int64
    public var localID: String
    public var provider: String
    public var batchID: Int64
    public var model: String
    public var state: RemoteBatchState
    public var fileID: String?
    public var remoteBatchID: String?
    public var remoteStatus: String?
    public var outputFileID: String?
    public var errorFileID: String?
    public var completionWindow: String
    public var lines: Int
    public var answered: Int
    public var failed: Int
    public var leftOver: Int
    public var nextPollAt: Double
    public var polls: Int
    public var lastError: String?
    public var createdAt: Double
    /// The batch's name, for `groqbatch remote`.
    public var batchName: String?
    /// What the jobs it leaves unanswered do next.
    public var ifExpires: RemoteExpiryPolicy
    /// The batch's deadline (Unix seconds), which decides whether another remote window fits.
    public var deadline: Double?
    /// The worker driving it while its lease lasts.
    public var workerID: String?

    /// The `lease_owner` of the jobs it carries.
    public var owner: String { "remote:" + localID }
}

/// One line of a remote batch's output or error file, read back.
public struct RemoteAnswer: Sendable {
    public var jobID: Int64
    /// The successful call, as an attempt and a result; nil for a line that failed.
    public var success: (attempt: AttemptRecord, result: JobResult)?
    /// The failed line's error, when it failed. `kind` is what the error says about the job, as on
    /// demand (the worker classifies it with GroqClient's `ErrorClassifier`), and `ChainStep` moves the
    /// job: a `retry` (a 5xx, a timeout) counts a try, a `fallback` (`model_decommissioned`, a 413...)
    /// goes to the chain's next model, a `permanent` fails the job.
    public var error: (code: String, message: String, httpStatus: Int?, kind: ChainStep.Kind)?
    /// Estimated US dollars for a successful line, at the Batch API's discount; nil without prices.
    public var cost: Double?
    /// A failed line's answer when it was one but not what the request asked for (`schema_mismatch`).
    public var invalidAnswer: String?

    public init(
        jobID: Int64, success: (attempt: AttemptRecord, result: JobResult)?, error: (code: String, message: String, httpStatus: Int?, kind: ChainStep.Kind)?
    ) {
        self.jobID = jobID
        self.success = success
        self.error = error
    }
}
