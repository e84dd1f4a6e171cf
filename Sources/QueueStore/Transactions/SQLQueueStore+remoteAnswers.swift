import Foundation
import GRDB

/// What a remote batch's answers and its end do to its jobs: results, tries, requeues, and the caps.
extension SQLQueueStore {
    /// The request bodies, by job, of those of `jobIDs` that ask for a `response_format`.
    public func structuredRequests(jobIDs: [Int64]) async throws -> [Int64: String] {
        try await engine.read { db in
            var requests: [Int64: String] = [:]
            // In slices: SQLite binds at most 32,766 parameters a statement.
            for start in stride(from: 0, to: jobIDs.count, by: 500) {
                let ids = Array(jobIDs[start..<min(start + 500, jobIDs.count)])
                let rows = try db.rows(JobsSQL.structuredRequests(count: ids.count, dialect: db.dialect), SQLArguments(ids))
                for row in rows { requests[row[0]] = row[1] }
            }
            return requests
        }
    }

    /// Writes answers read back from a remote batch's files, in one transaction (callers pass bounded
    /// slices), while `workerID` holds the remote batch. A job no longer held by the remote batch
    /// (cancelled, or written already) is left alone, so reading the same file twice changes nothing.
    ///
    /// A line that failed for the provider's sake (`transient`) counts as a try of its job, which goes
    /// back to the queue (the next remote batch, or on demand as the batch's policy and deadline say;
    /// the next model of its chain after its tries), or fails once its chain is spent.
    @discardableResult
    public func recordRemoteAnswers(_ remote: RemoteBatchRecord, _ answers: [RemoteAnswer], workerID: String, now: Date = Date()) async throws -> RemoteWrite {
        try await whileHeld(remote, by: workerID) { db in
            let seconds = now.unixSeconds
            var written = RemoteWrite()
            // Whether a job with a request key ended: identical requests held behind it may go now.
            var released = false
            for answer in answers {
                guard let row = try db.row(RemoteBatchesSQL.ownedStatus(db.dialect), [answer.jobID]),
                    (row[0] as String) == "running", (row[1] as String?) == remote.owner
                else { continue }
                let requestKey: String? = row[6]
                // That read took no lock: under PostgreSQL's READ COMMITTED a `cancel` may commit before
                // the job's row is written. So each answer moves the job first, by a guarded update that
                // sees such a change (and holds the row from then on), and writes its attempt, result and
                // settlement only if it did: a cancelled job with a result row would be sent, and
                // billed, again once retried.
                if let success = answer.success {
                    let attempt = success.attempt
                    let result = success.result
                    guard try db.execute(RemoteBatchesSQL.succeedJob, [seconds, seconds, answer.jobID, remote.owner]) == 1 else { continue }
                    try db.send(
                        AttemptsSQL.insert,
                        [
                            answer.jobID, answer.jobID, attempt.model, workerID, attempt.startedAt.unixSeconds, attempt.finishedAt.unixSeconds,
                            attempt.httpStatus, attempt.outcome.rawValue, nil, nil, attempt.promptTokens, attempt.completionTokens,
                            attempt.requestID, nil, nil, nil, attempt.cachedTokens,
                        ])
                    try db.send(
                        ResultsSQL.insert,
                        [
                            answer.jobID, result.model, result.content, result.finishReason, result.promptTokens, result.completionTokens,
                            result.totalTokens, result.queueTime, result.promptTime, result.completionTime, result.totalTime,
                            result.responseID, result.requestID, result.rawResponse, seconds, answer.cost, false, result.parsed,
                            result.cachedTokens,
                        ])
                    try QueueSteps.settleCaps(jobID: answer.jobID, tokens: result.totalTokens, cost: answer.cost, db: db, now: seconds)
                    written.answered += 1
                    written.promptTokens += result.promptTokens
                    written.completionTokens += result.completionTokens
                    if requestKey != nil {
                        // The queued jobs with the identical request take this answer, as on demand.
                        try QueueSteps.shareOutcome(
                            jobID: answer.jobID, keys: (requestKey, nil), succeededOn: remote.model, failure: nil, provider: remote.provider, db: db,
                            now: seconds)
                        released = true
                    }
                } else if let error = answer.error {
                    // The chain rule of on-demand outcomes: a fallback error moves the job to its next model.
                    let step = ChainStep.after(error.kind, modelAttempts: row[2], maxAttempts: row[3], modelIndex: row[4], chainLength: row[5])
                    if step != .fail {
                        guard
                            try QueueSteps.requeue(
                                answer.jobID, modelIndex: row[4], step: step, after: 0, code: error.code, message: error.message, remote, db: db, now: seconds)
                        else { continue }
                        written.requeued += 1
                    } else {
                        let moved = try db.execute(
                            RemoteBatchesSQL.failJob,
                            [
                                error.code, error.message, seconds, seconds, answer.jobID, remote.owner,
                            ])
                        guard moved == 1 else { continue }
                        written.failed += 1
                        if requestKey != nil {
                            // Sending the identical request again would fail the same: its followers fail too.
                            try QueueSteps.shareOutcome(
                                jobID: answer.jobID, keys: (requestKey, nil), succeededOn: nil, failure: (error.code, error.message),
                                provider: remote.provider, db: db, now: seconds)
                            released = true
                        }
                    }
                    try db.send(
                        AttemptsSQL.insert,
                        [
                            answer.jobID, answer.jobID, remote.model, workerID, remote.createdAt, seconds, error.httpStatus,
                            error.kind.rawValue, error.code, error.message, nil, nil, nil, nil, nil, answer.invalidAnswer, nil,
                        ])
                    // An errored line is not billed: its reservation goes back to the caps.
                    try QueueSteps.settleCaps(jobID: answer.jobID, tokens: 0, cost: 0, db: db, now: seconds)
                }
            }
            // Idle workers wait for the change counter: requeued jobs, and identical requests no longer
            // held behind a job in flight, are theirs to claim.
            if written.requeued > 0 || released { try db.execute(WorkersSQL.bumpChanges) }
            try db.execute(RemoteBatchesSQL.counted, [written.answered, written.failed, seconds, remote.id])
            return written
        }
    }

    /// Closes a remote batch: the jobs it left unanswered go to a new remote batch, on demand, or fail,
    /// as the batch's policy and deadline say, and their cap reservations are given back. Returns how
    /// many it left.
    @discardableResult
    public func finishRemote(_ remote: RemoteBatchRecord, reason: String, workerID: String, now: Date = Date()) async throws -> Int {
        try await whileHeld(remote, by: workerID) { db in
            let seconds = now.unixSeconds
            let message = "the remote batch \(remote.remoteBatchID ?? remote.localID) ended \(reason) before answering this job"
            let left = try QueueSteps.releaseHeldJobs(remote, code: "batch_\(reason)", message: message, fail: remote.ifExpires == .fail, db: db, now: seconds)
            try db.execute(RemoteBatchesSQL.done, [left, seconds, seconds, remote.id])
            return left
        }
    }

    /// An input file that could not be uploaded: its jobs go back to the queue (for the next remote
    /// batch, counting no try) and the remote batch is closed as `upload_failed`. Returns how many.
    /// They are not packed again before `retryAfter` seconds: the same file sent again at once fails
    /// again while the provider is down, and it may be 200 MB.
    @discardableResult
    public func abandonUpload(
        _ remote: RemoteBatchRecord, message: String, retryAfter: Double = 0, workerID: String, now: Date = Date()
    ) async throws -> Int {
        try await whileHeld(remote, by: workerID) { db in
            let seconds = now.unixSeconds
            var kept = remote
            kept.ifExpires = .requeue
            let left = try QueueSteps.releaseHeldJobs(
                kept, code: "upload_failed", message: message, fail: false, after: retryAfter, db: db, now: seconds)
            try db.execute(RemoteBatchesSQL.uploadFailed, [message, left, seconds, seconds, remote.id])
            return left
        }
    }

    /// The provider refused a remote batch for good: it ended `failed`, its create was answered 400, its
    /// output file is gone. Sending it again unchanged would loop, so each job it still holds counts a
    /// try, as the same refusal of an on-demand call would, and `ChainStep` moves it by `kind`: back to
    /// the queue after `retryDelay(tries)` seconds (the worker's backoff), to its chain's next model, or
    /// failed with the provider's reason. The remote batch is closed as `status`, with the reason.
    @discardableResult
    public func refuseRemote(
        _ remote: RemoteBatchRecord, status: String, code: String, message: String, httpStatus: Int?, kind: ChainStep.Kind,
        retryDelay: @escaping @Sendable (Int) -> Double, workerID: String, now: Date = Date()
    ) async throws -> RemoteWrite {
        try await whileHeld(remote, by: workerID) { db in
            let seconds = now.unixSeconds
            var written = RemoteWrite()
            for id in try db.values(Int64.self, RemoteBatchesSQL.heldJobs, [remote.owner]) {
                guard let row = try db.row(RemoteBatchesSQL.ownedStatus(db.dialect), [id]) else { continue }
                let step = ChainStep.after(kind, modelAttempts: row[2], maxAttempts: row[3], modelIndex: row[4], chainLength: row[5])
                if step == .fail {
                    guard try db.execute(RemoteBatchesSQL.failJob, [code, message, seconds, seconds, id, remote.owner]) == 1 else { continue }
                    written.failed += 1
                } else {
                    let delay = if case .again(let tries) = step { retryDelay(tries) } else { 0.0 }
                    guard
                        try QueueSteps.requeue(id, modelIndex: row[4], step: step, after: delay, code: code, message: message, remote, db: db, now: seconds)
                    else { continue }
                    written.requeued += 1
                }
                try db.send(
                    AttemptsSQL.insert,
                    [id, id, remote.model, workerID, remote.createdAt, seconds, httpStatus, kind.rawValue, code, message, nil, nil, nil, nil, nil, nil, nil])
                try QueueSteps.settleCaps(jobID: id, tokens: 0, cost: 0, db: db, now: seconds)
            }
            // Requeued jobs, and identical requests held behind failed ones, are for idle workers to claim.
            if written.requeued + written.failed > 0 { try db.execute(WorkersSQL.bumpChanges) }
            try db.execute(RemoteBatchesSQL.refused, [status, message, written.failed, written.requeued, seconds, seconds, remote.id])
            return written
        }
    }

    /// Runs `body` in one write transaction that first checks `workerID` still holds the remote batch.
    private func whileHeld<T: Sendable>(_ remote: RemoteBatchRecord, by workerID: String, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws
        -> T
    {
        try await engine.write { db in
            // Answers settle the batch's and the day's caps: the provider's lock first, under the key
            // claims and packing take it by (a remote batch recorded under an older spelling keeps it).
            try db.lockBudgets(provider: ProviderKey(remote.provider).rawValue)
            guard try db.value(Bool.self, RemoteBatchesSQL.held, [remote.id, workerID]) != nil else {
                throw RemoteLeaseLost(localID: remote.localID)
            }
            return try body(db)
        }
    }

}

extension QueueSteps {
    /// Sends a job the remote batch holds, on model `modelIndex` of its chain, back to the queue as `step`
    /// says (not `.fail`), a try counted: for on-demand calls or the next remote batch as the batch's
    /// policy and deadline say, not before `after` seconds from `now`. False when the job was no longer
    /// the remote batch's.
    static func requeue(
        _ jobID: Int64, modelIndex: Int, step: ChainStep, after delay: Double, code: String, message: String, _ remote: RemoteBatchRecord,
        db: any SQLSession, now: Double
    ) throws -> Bool {
        let (modelIndex, modelAttempts) =
            switch step {
            case .again(let tries): (modelIndex, tries)
            case .model(let index): (index, 0)
            case .fail: (modelIndex, 0)
            }
        let onDemand = remote.ifExpires.requeue(deadline: remote.deadline, now: now) == .onDemand
        let moved = try db.execute(
            RemoteBatchesSQL.retryJob, [onDemand, modelIndex, modelAttempts, now + delay, now, code, message, jobID, remote.owner])
        return moved == 1
    }

    /// Every job the remote batch still holds goes back to the queue (or fails), its reservation given
    /// back; a requeued job is claimed or packed no sooner than `after` seconds from `now`.
    static func releaseHeldJobs(
        _ remote: RemoteBatchRecord, code: String, message: String, fail: Bool, after delay: Double = 0, db: any SQLSession, now: Double
    ) throws -> Int {
        let onDemand = remote.ifExpires.requeue(deadline: remote.deadline, now: now) == .onDemand
        let held = try db.values(Int64.self, RemoteBatchesSQL.heldJobs, [remote.owner])
        for id in held {
            try settleCaps(jobID: id, tokens: 0, cost: 0, db: db, now: now)
            if fail {
                try db.execute(RemoteBatchesSQL.failLeftover, [code, message, now, now, id, remote.owner])
            } else {
                try db.execute(RemoteBatchesSQL.requeueLeftover, [onDemand, now + max(0, delay), now, code, message, id, remote.owner])
            }
        }
        // Requeued jobs, and identical requests held behind failed ones, are for idle workers to claim.
        if !held.isEmpty { try db.execute(WorkersSQL.bumpChanges) }
        return held.count
    }
}
