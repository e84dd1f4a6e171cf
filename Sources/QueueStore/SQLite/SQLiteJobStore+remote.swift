import Foundation
import GRDB
import Scheduler

extension SQLiteJobStore {
    /// Moves queued jobs of `--via batch-api` batches into new remote batches (state `preparing`), at
    /// most `maxLines` jobs and `maxBytes` of request bodies each, one model each, in one transaction:
    /// from here the jobs belong to their remote batch (`lease_owner` = `remote:<local id>`), so no
    /// other worker or call can send them again.
    public func prepareRemoteBatches(
        provider: String, workerID: String, maxLines: Int, maxBytes: Int, leaseDuration: TimeInterval, now: Date = Date()
    ) throws -> Int {
        try pool.write { db in
            let seconds = now.unixSeconds
            var made = 0
            for group in try Row.fetchAll(db, sql: RemoteBatchesSQL.waitingGroups, arguments: [seconds]) {
                let batchID: Int64 = group[0]
                guard let model: String = group[1] else { continue }
                let deadline: Double? = group[2]
                var waiting = try Row.fetchAll(db, sql: RemoteBatchesSQL.waitingJobs, arguments: [batchID, seconds, model, maxLines * 64])
                    .map { (id: $0[0] as Int64, bytes: $0[1] as Int) }
                while !waiting.isEmpty {
                    var chosen: [Int64] = []
                    var bytes = 0
                    while let next = waiting.first, chosen.count < maxLines, bytes + next.bytes + 200 <= maxBytes || chosen.isEmpty {
                        chosen.append(next.id)
                        bytes += next.bytes + 200
                        waiting.removeFirst()
                    }
                    let localID = "gb-" + UUID().uuidString.lowercased()
                    try db.execute(sql: RemoteBatchesSQL.insert, arguments: [
                        localID, provider, batchID, model, Self.completionWindow(deadline: deadline, now: seconds), chosen.count,
                        workerID, seconds + leaseDuration, seconds, seconds,
                    ])
                    let take = try db.cachedStatement(sql: RemoteBatchesSQL.takeJob)
                    for id in chosen { try take.execute(arguments: ["remote:" + localID, seconds, id]) }
                    made += 1
                }
            }
            return made
        }
    }

    /// Whether there is Batch API work for this provider: a read, so an idle worker writes nothing.
    public func hasRemoteWork(provider: String) throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: RemoteBatchesSQL.anyWork, arguments: [provider]) ?? false }
    }

    /// The Batch API's window for a batch: the time to its deadline in whole hours, between 24 h and 7 d.
    static func completionWindow(deadline: Double?, now: Double) -> String {
        guard let deadline else { return "24h" }
        let hours = Int(((deadline - now) / 3600).rounded(.down))
        return "\(min(168, max(24, hours)))h"
    }

    /// Takes (or keeps) the open remote batches of a provider this worker may drive and returns them.
    public func leaseRemoteBatches(provider: String, workerID: String, leaseDuration: TimeInterval, now: Date = Date()) throws -> [RemoteBatchRecord] {
        try pool.write { db in
            let seconds = now.unixSeconds
            try db.execute(sql: RemoteBatchesSQL.lease, arguments: [workerID, seconds + leaseDuration, provider, workerID, seconds])
            return try Row.fetchAll(db, sql: RemoteBatchesSQL.leased, arguments: [workerID]).map(Self.remoteRecord)
        }
    }

    /// Every remote batch, for `groqbatch remote`.
    public func remoteBatches() throws -> [RemoteBatchRecord] {
        try pool.read { db in try Row.fetchAll(db, sql: RemoteBatchesSQL.all).map(Self.remoteRecord) }
    }

    static func remoteRecord(_ row: Row) -> RemoteBatchRecord {
        RemoteBatchRecord(
            id: row[0], localID: row[1], provider: row[2], batchID: row[3], model: row[4], state: row[5], fileID: row[6],
            remoteBatchID: row[7], remoteStatus: row[8], outputFileID: row[9], errorFileID: row[10], completionWindow: row[11],
            lines: row[12], answered: row[13], failed: row[14], leftOver: row[15], nextPollAt: row[16], polls: row[17],
            lastError: row[18], createdAt: row[19], batchName: row[20], leftovers: row[21])
    }

    /// The jobs of a remote batch, as (job id, stored request) in id order: its input file's lines.
    public func remoteInput(_ remote: RemoteBatchRecord) throws -> [(id: Int64, request: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: RemoteBatchesSQL.inputJobs, arguments: [remote.owner]).map { ($0[0], $0[1]) }
        }
    }

    public func markRemoteUploaded(_ remote: RemoteBatchRecord, fileID: String, now: Date = Date()) throws {
        try pool.write { db in try db.execute(sql: RemoteBatchesSQL.uploaded, arguments: [fileID, now.unixSeconds, remote.id]) }
    }

    public func markRemoteSubmitted(_ remote: RemoteBatchRecord, remoteBatchID: String, status: String, now: Date = Date()) throws {
        try pool.write { db in try db.execute(sql: RemoteBatchesSQL.submitted, arguments: [remoteBatchID, status, now.unixSeconds, remote.id]) }
    }

    public func markRemotePolled(_ remote: RemoteBatchRecord, status: String, nextPollAt: Date, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: RemoteBatchesSQL.polled, arguments: [status, nextPollAt.unixSeconds, now.unixSeconds, remote.id])
        }
    }

    public func markRemoteCollecting(_ remote: RemoteBatchRecord, status: String, outputFileID: String?, errorFileID: String?, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: RemoteBatchesSQL.collecting, arguments: [status, outputFileID, errorFileID, now.unixSeconds, remote.id])
        }
    }

    /// A call about a remote batch failed: say why and look again later.
    public func markRemoteError(_ remote: RemoteBatchRecord, message: String, retryAt: Date, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: RemoteBatchesSQL.failedCall, arguments: [message, retryAt.unixSeconds, now.unixSeconds, remote.id])
        }
    }

    /// Writes answers read back from a remote batch's files, in one transaction (callers pass bounded
    /// slices). A job no longer held by the remote batch (cancelled, or written by another worker) is
    /// left alone, so reading the same file twice changes nothing.
    @discardableResult
    public func recordRemoteAnswers(
        _ remote: RemoteBatchRecord, _ answers: [RemoteAnswer], workerID: String, now: Date = Date()
    ) throws -> (answered: Int, failed: Int, promptTokens: Int, completionTokens: Int) {
        try pool.write { db in
            let seconds = now.unixSeconds
            var answered = 0, failed = 0, promptTokens = 0, completionTokens = 0
            for answer in answers {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: RemoteBatchesSQL.ownedStatus), arguments: [answer.jobID]),
                      (row[0] as String) == "running", (row[1] as String?) == remote.owner
                else { continue }
                if let success = answer.success {
                    let attempt = success.attempt, result = success.result
                    try db.cachedStatement(sql: AttemptsSQL.insert).execute(arguments: [
                        answer.jobID, answer.jobID, attempt.model, workerID, attempt.startedAt.unixSeconds, attempt.finishedAt.unixSeconds,
                        attempt.httpStatus, attempt.outcome.rawValue, nil, nil, attempt.promptTokens, attempt.completionTokens,
                        attempt.requestID, nil, nil,
                    ])
                    try db.cachedStatement(sql: ResultsSQL.insert).execute(arguments: [
                        answer.jobID, result.model, result.content, result.finishReason, result.promptTokens, result.completionTokens,
                        result.totalTokens, result.queueTime, result.promptTime, result.completionTime, result.totalTime,
                        result.responseID, result.requestID, result.rawResponse, seconds, answer.cost, false,
                    ])
                    try db.cachedStatement(sql: RemoteBatchesSQL.succeedJob).execute(arguments: [seconds, seconds, answer.jobID, remote.owner])
                    answered += 1
                    promptTokens += result.promptTokens
                    completionTokens += result.completionTokens
                } else if let error = answer.error {
                    try db.cachedStatement(sql: AttemptsSQL.insert).execute(arguments: [
                        answer.jobID, answer.jobID, remote.model, workerID, remote.createdAt, seconds, error.httpStatus, "permanent",
                        error.code, error.message, nil, nil, nil, nil, nil,
                    ])
                    try db.cachedStatement(sql: RemoteBatchesSQL.failJob).execute(arguments: [error.code, error.message, seconds, seconds, answer.jobID, remote.owner])
                    failed += 1
                }
            }
            try db.execute(sql: RemoteBatchesSQL.counted, arguments: [answered, failed, seconds, remote.id])
            return (answered, failed, promptTokens, completionTokens)
        }
    }

    /// Closes a remote batch: the jobs it left unanswered go back to on-demand calls or fail, as the
    /// batch's policy says. Returns how many it left.
    @discardableResult
    public func finishRemote(_ remote: RemoteBatchRecord, reason: String, now: Date = Date()) throws -> Int {
        try pool.write { db in
            let seconds = now.unixSeconds
            let message = "the remote batch \(remote.remoteBatchID ?? remote.localID) ended \(reason) before answering this job"
            if remote.leftovers == "fail" {
                try db.execute(sql: RemoteBatchesSQL.failLeftovers, arguments: ["batch_\(reason)", message, seconds, seconds, remote.owner])
            } else {
                try db.execute(sql: RemoteBatchesSQL.requeueLeftovers, arguments: [seconds, seconds, "batch_\(reason)", message, remote.owner])
            }
            let left = db.changesCount
            if left > 0 { try db.execute(sql: WorkersSQL.bumpChanges) }
            try db.execute(sql: RemoteBatchesSQL.done, arguments: [left, seconds, seconds, remote.id])
            return left
        }
    }
}

extension SQLiteJobStore {
    /// Jobs of one `--via auto` batch and model still waiting for an executor.
    public struct UndecidedGroup: Sendable {
        public var batchID: Int64
        public var deadline: Date?
        public var demand: ModelDemand
    }

    public func undecidedAutoGroups() throws -> [UndecidedGroup] {
        try pool.read { db in
            try Row.fetchAll(db, sql: RemoteBatchesSQL.undecidedGroups).compactMap { row in
                guard let model: String = row[1] else { return nil }
                let deadline: Double? = row[2]
                return UndecidedGroup(
                    batchID: row[0], deadline: deadline.map(Date.init(timeIntervalSince1970:)),
                    demand: ModelDemand(model: model, requests: row[3], promptCharacters: row[4], maxTokens: row[5], withoutMaxTokens: row[6]))
            }
        }
    }

    /// Gives the first `onDemand` undecided jobs of a batch and model (in queue order) to on-demand calls
    /// and the rest to the Batch API, in one transaction.
    public func decideAuto(batchID: Int64, model: String, onDemand: Int, now: Date = Date()) throws {
        try pool.write { db in
            let seconds = now.unixSeconds
            try db.execute(sql: RemoteBatchesSQL.decideOnDemand, arguments: [seconds, batchID, model, onDemand])
            try db.execute(sql: RemoteBatchesSQL.decideBatchAPI, arguments: [seconds, batchID, model])
            try db.execute(sql: WorkersSQL.bumpChanges)
        }
    }
}
