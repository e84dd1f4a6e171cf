import Foundation
import Scheduler

/// What the Batch API loop needs of the queue: `--via auto` decisions, packing queued jobs into remote
/// batches under the caps, leases on them, and the transactions that record each step and each answer.
///
/// `SQLiteJobStore` implements it. Every change to a remote batch or its jobs applies only while the
/// worker asking holds the remote batch's lease; otherwise it throws `RemoteLeaseLost`.
public protocol RemoteBatchStore: Sendable {
    /// Whether there is Batch API work for the provider: a read, so an idle worker writes nothing.
    func hasRemoteWork(provider: String) async throws -> Bool
    /// The batches whose Batch API jobs wait for a cap (the packer paused them: their next job does not
    /// fit), of the batch named or all: a draining worker leaves them, as it leaves those a claim paused.
    func batchAPIPausedBatches(batch: String?) async throws -> Set<Int64>
    /// Whether a draining worker still waits for Batch API work: queued jobs outside the `excluded`
    /// (capped) batches, or remote batches of the provider still open.
    func hasRemoteWork(provider: String, excludingBatches excluded: Set<Int64>) async throws -> Bool
    /// Jobs of `--via auto` batches still waiting for an executor, per batch and model.
    func undecidedAutoGroups() async throws -> [UndecidedGroup]
    /// The unfinished work and the history `--via auto` plans the on-demand share with.
    func planInputs(batch: String?, catalog: ModelCatalog?) async throws -> PlanInputs
    func planOutlooks(models: Set<String>, history: [String: PlanInputs.History], catalog: ModelCatalog, provider: String) async throws -> [String:
        ModelOutlook]
    /// Gives the first `onDemand` undecided jobs of a batch and model to on-demand calls, the rest to the Batch API.
    func decideAuto(batchID: Int64, model: String, onDemand: Int, now: Date) async throws
    /// Packs queued Batch API jobs into new remote batches (reserving against the caps); returns how many.
    func prepareRemoteBatches(
        provider: String, workerID: String, maxLines: Int, maxBytes: Int, leaseDuration: TimeInterval, now: Date?, budget: BudgetContext?
    ) async throws -> Int
    /// Takes (or keeps) the open remote batches this worker may drive and returns them.
    func leaseRemoteBatches(provider: String, workerID: String, leaseDuration: TimeInterval, now: Date?) async throws -> [RemoteBatchRecord]
    /// Extends the lease; false when another worker holds the remote batch now.
    func renewRemoteLease(_ remote: RemoteBatchRecord, workerID: String, leaseDuration: TimeInterval, now: Date?) async throws -> Bool
    /// A page of the remote batch's jobs after job `after`, in id order: its input file's lines.
    func remoteInputPage(_ remote: RemoteBatchRecord, after: Int64, limit: Int) async throws -> [(id: Int64, request: String)]
    /// How many jobs the remote batch still holds.
    func remoteHeldCount(_ remote: RemoteBatchRecord) async throws -> Int
    func markRemoteTrying(_ remote: RemoteBatchRecord, now: Date) async throws
    func markRemoteUploaded(_ remote: RemoteBatchRecord, fileID: String, now: Date) async throws
    func markRemoteSubmitted(_ remote: RemoteBatchRecord, remoteBatchID: String, status: String, now: Date) async throws
    func markRemotePolled(_ remote: RemoteBatchRecord, status: String, nextPollAt: Date, now: Date) async throws
    func markRemoteCollecting(_ remote: RemoteBatchRecord, status: String, outputFileID: String?, errorFileID: String?, now: Date) async throws
    func markRemoteError(_ remote: RemoteBatchRecord, message: String, retryAt: Date, now: Date) async throws
    /// The request bodies, by job, of those of `jobIDs` that ask for a `response_format`.
    func structuredRequests(jobIDs: [Int64]) async throws -> [Int64: String]
    /// Writes a slice of answers in one transaction.
    func recordRemoteAnswers(_ remote: RemoteBatchRecord, _ answers: [RemoteAnswer], workerID: String, now: Date) async throws -> RemoteWrite
    /// Closes a remote batch; its unanswered jobs follow the batch's policy. Returns how many it left.
    func finishRemote(_ remote: RemoteBatchRecord, reason: String, workerID: String, now: Date) async throws -> Int
    /// Closes a remote batch whose input could not be uploaded; its jobs go back to the queue, to be
    /// packed again `retryAfter` seconds from `now`.
    func abandonUpload(_ remote: RemoteBatchRecord, message: String, retryAfter: Double, workerID: String, now: Date) async throws -> Int
    /// Closes a remote batch the provider refused for good; each job it holds counts a try and follows its chain.
    func refuseRemote(
        _ remote: RemoteBatchRecord, status: String, code: String, message: String, httpStatus: Int?, kind: ChainStep.Kind,
        retryDelay: @escaping @Sendable (Int) -> Double, workerID: String, now: Date
    ) async throws -> RemoteWrite
}

extension SQLiteJobStore: RemoteBatchStore {}
