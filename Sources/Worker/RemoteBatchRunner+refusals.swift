import Foundation
import GroqClient
import QueueStore

/// Refusals the provider means for good: a remote batch that ended `failed`, a file or a create answered
/// 400, a file that is gone. Sent again unchanged, the same jobs would be refused again, every pass,
/// forever; so each refusal closes the remote batch and its jobs count a try, as an on-demand call
/// refused the same way would, and follow their chains (`ChainStep`) after the worker's backoff: they
/// end on their fallback model, or failed with the provider's reason.
extension RemoteBatchRunner {
    /// What a refusal of a whole remote batch does to its jobs, by the on-demand table's class; nil for a
    /// failure worth the same call later (the provider's hiccup, or credentials: no job is to blame).
    /// A 404 means the object is gone only once the base URL is known right (`goneMeansRefused`).
    static func refusalKind(_ failure: ChatFailure, goneMeansRefused: Bool) -> ChainStep.Kind? {
        switch failure.outcomeClass {
        case .fallback: .fallback
        // A refusal of the whole file need not be each job's fault: a try counted, not a failure at once.
        case .permanent: .retry
        case .fatal where failure.httpStatus == 404 && goneMeansRefused: .retry
        case .fatal, .retry, .success: nil
        }
    }

    /// Whether a failure stops the worker: the credentials refused (401, 403), as on demand. A 404 is
    /// left to each step: there it may mean the one object is gone, not the key or the base URL wrong.
    static func stopsWorker(_ failure: ChatFailure) -> Bool {
        failure.outcomeClass == .fatal && failure.httpStatus != 404
    }

    /// Runs a Batch API call for `remote`; when the provider refuses it for good, closes the remote
    /// batch as `status` (`refuse`) and returns nil.
    func refusing<T>(_ remote: RemoteBatchRecord, status: String, goneMeansRefused: Bool, _ call: () async throws -> T) async throws -> T? {
        do {
            return try await call()
        } catch let failure as ChatFailure {
            guard let kind = Self.refusalKind(failure, goneMeansRefused: goneMeansRefused) else { throw failure }
            try await refuse(remote, status: status, code: failure.code, message: failure.message, httpStatus: failure.httpStatus, kind: kind)
            return nil
        }
    }

    /// A remote batch that ended `failed`: the batch's own errors say why (read again, so a worker that
    /// took it up after a restart knows too). A model code there (`model_not_found`...) is a fallback,
    /// as on demand; anything else counts a try.
    func refuseFailed(_ remote: RemoteBatchRecord) async throws {
        var batch: RemoteBatch?
        if let id = remote.remoteBatchID { batch = try await client.batch(id: id) }
        let errors = batch?.errors?.data ?? []
        let code = errors.first?.code ?? "batch_failed"
        let name = remote.remoteBatchID ?? remote.localID
        let message =
            errors.isEmpty
            ? "the remote batch \(name) failed"
            : "the remote batch \(name) failed: " + errors.prefix(3).map { $0.message ?? $0.code ?? "?" }.joined(separator: "; ")
        let outcome = ErrorClassifier.classify(status: 400, code: code, message: message)
        try await refuse(remote, status: "failed", code: code, message: message, httpStatus: nil, kind: outcome == .fallback ? .fallback : .retry)
    }

    /// Closes a refused remote batch: its jobs count a try and wait the worker's backoff (a poll interval
    /// at least) before the next remote batch, move to their next model, or fail with the reason.
    func refuse(_ remote: RemoteBatchRecord, status: String, code: String, message: String, httpStatus: Int?, kind: ChainStep.Kind) async throws {
        let floor = settings.pollInterval
        let backoff = settings.backoff
        // One draw for the batch: jobs refused together come back together, into one remote batch.
        let random = Double.random(in: 0..<1)
        let written = try await store.refuseRemote(
            remote, status: status, code: code, message: message, httpStatus: httpStatus, kind: kind,
            retryDelay: { tries in max(floor, backoff.delay(retry: tries, providerWait: nil, random: random)) }, workerID: workerID, now: Date())
        counters.update { $0.failed += written.failed }
        logger.warning(
            "remote batch \(remote.remoteBatchID ?? remote.localID) refused (\(code): \(message)): \(written.requeued.counted("job")) go again or to their next model, \(written.failed.counted("job")) failed"
        )
    }
}
