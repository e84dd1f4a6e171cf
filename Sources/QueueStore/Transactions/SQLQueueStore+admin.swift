import Foundation
import GRDB
import JobFormats

extension SQLQueueStore {
    /// Why an admin command found nothing to act on.
    /// Kept for callers that name it through the store: the error is the queue's, not SQLite's.
    public typealias NotFoundError = QueueStore.NotFoundError

    /// The schema migrations applied, by number.
    public func appliedMigrations() async throws -> [Int] {
        try await engine.read { db in try db.values(Int.self, "SELECT number FROM schema_migrations ORDER BY number") }
    }

    /// Progress of every batch, or of one.
    public func batchStatuses(batch: String? = nil) async throws -> [BatchStatus] {
        try await engine.read { db in
            let rows =
                if let batch {
                    try db.rows(BatchesSQL.progressOfOne, [batch])
                } else {
                    try db.rows(BatchesSQL.progress)
                }
            if let batch, rows.isEmpty { throw NotFoundError(description: "no batch named '\(batch)'") }
            var paused: [String: String] = [:]
            for row in try db.rows(BudgetsSQL.pausedBatches) { paused[row[0]] = row[1] }
            return rows.map { row in
                BatchStatus(
                    batch: row["batch"], total: row["total"], queued: row["queued"], running: row["running"],
                    succeeded: row["succeeded"], failed: row["failed"], cancelled: row["cancelled"], expired: row["expired"],
                    promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                    firstActivity: row["first_activity"], lastActivity: row["last_activity"],
                    paused: (row["queued"] as Int) > 0 ? paused[row["batch"]] : nil,
                    notBefore: row["not_before"], deadline: row["deadline"])
            }
        }
    }

    /// Cancels a batch's queued and running jobs, in one transaction. Returns how many.
    public func cancel(batch: String, now: Date = Date()) async throws -> Int {
        try await engine.write { db in
            guard try db.value(Int64.self, BatchesSQL.find, [batch]) != nil else {
                throw NotFoundError(description: "no batch named '\(batch)'")
            }
            let packed = try db.rows(RemoteBatchesSQL.packedForCancel(byBatch: true, db.dialect), [batch])
            try db.execute(JobsSQL.cancel(byBatch: true), [now.unixSeconds, now.unixSeconds, batch])
            let cancelled = db.changesCount
            try QueueSteps.refundUnsentLines(packed, db: db, now: now.unixSeconds)
            return cancelled
        }
    }

    /// The job a person names: by its `custom_id` (within `batch` when given), or else by its numeric
    /// id. Throws `NotFoundError` when it names none, or several batches' jobs without `batch`.
    public func findJob(_ name: String, batch: String?) async throws -> Int64 {
        try await engine.read { db in
            var matches = try db.rows(JobsSQL.byCustomID, [name]).map { (id: $0[0] as Int64, batch: $0[1] as String) }
            if let batch {
                guard try db.value(Int64.self, BatchesSQL.find, [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                matches = matches.filter { $0.batch == batch }
            }
            if matches.count == 1 { return matches[0].id }
            if matches.count > 1 {
                let names = matches.map { "'\($0.batch)'" }.joined(separator: ", ")
                throw NotFoundError(description: "custom_id '\(name)' is in \(matches.count) batches (\(names)): add --batch to say which")
            }
            if batch == nil, let id = Int64(name), try db.row(JobsSQL.statusAndOwner, [id]) != nil { return id }
            throw NotFoundError(description: "no job with custom_id '\(name)'\(batch.map { " in batch '\($0)'" } ?? "")")
        }
    }

    /// Cancels one job by id if it is queued or running. Returns whether it was.
    public func cancel(jobID: Int64, now: Date = Date()) async throws -> Bool {
        try await engine.write { db in
            guard try db.row(JobsSQL.statusAndOwner, [jobID]) != nil else {
                throw NotFoundError(description: "no job with id \(jobID)")
            }
            let packed = try db.rows(RemoteBatchesSQL.packedForCancel(byBatch: false, db.dialect), [jobID])
            guard try db.execute(JobsSQL.cancel(byBatch: false), [now.unixSeconds, now.unixSeconds, jobID]) == 1 else { return false }
            try QueueSteps.refundUnsentLines(packed, db: db, now: now.unixSeconds)
            // Identical requests of its batch held behind it may go now: idle workers are woken.
            try db.execute(WorkersSQL.bumpChanges)
            return true
        }
    }

    /// Puts jobs in the given end states back in the queue from the start of their model chain.
    ///
    /// Expired jobs would expire again at once under their batch's old deadline, so requeuing them gives
    /// their batches `newDeadline` (nil: none).
    public func requeue(_ statuses: [JobStatus], batch: String?, newDeadline: Date? = nil, now: Date = Date()) async throws -> Int {
        try await engine.write { db in
            var arguments: SQLArguments = [now.unixSeconds, now.unixSeconds]
            if let batch {
                guard try db.value(Int64.self, BatchesSQL.find, [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                arguments += [batch]
            }
            if statuses.contains(.expired) {
                var deadlineArguments: SQLArguments = [newDeadline?.unixSeconds, now.unixSeconds]
                if let batch { deadlineArguments += [batch] }
                try db.execute(BatchesSQL.setDeadlineOfExpired(byBatch: batch != nil), deadlineArguments)
            }
            try db.execute(JobsSQL.requeue(statuses: statuses, byBatch: batch != nil, dialect: db.dialect), arguments)
            let requeued = db.changesCount
            if requeued > 0 { try db.execute(WorkersSQL.bumpChanges) }
            return requeued
        }
    }

    public func requeue(jobID: Int64, now: Date) async throws -> Bool {
        try await engine.write { db in
            try db.execute(JobsSQL.requeueOne(db.dialect), [now.unixSeconds, now.unixSeconds, jobID])
            guard db.changesCount == 1 else { return false }
            try db.execute(WorkersSQL.bumpChanges)
            return true
        }
    }

    /// Streams every job of one batch (or all batches) in input order, with its result or error.
    ///
    /// Pages of `exportPageSize` rows, each its own short read (keyset on the input order), so a long export
    /// neither holds a snapshot that stops the write-ahead log from being checkpointed nor blocks the
    /// pool's threads while `body` writes. A job appears once, as it was when its page was read.
    public func exportRows(batch: String?, _ body: (ExportRow) throws -> Void) async throws {
        let page = QueueSteps.exportPageSize
        let batchID: Int64? = try await engine.read { db in
            guard let batch else { return nil }
            guard let id = try db.value(Int64.self, BatchesSQL.find, [batch]) else {
                throw NotFoundError(description: "no batch named '\(batch)'")
            }
            return id
        }
        var after: (batch: Int64, line: Int64, id: Int64) = (Int64.min, Int64.min, Int64.min)
        while true {
            let rows = try await engine.read { [after] db in
                var arguments: SQLArguments = [after.batch, after.line, after.id]
                if let batchID { arguments += [batchID] }
                arguments += [page]
                let rows = try db.rows(JobsSQL.exportPage(batchFilter: batchID != nil), arguments)
                return (rows.map(QueueSteps.exportRow), rows.last.map { ($0["batch_id"] as Int64, $0["line"] as Int64, $0["id"] as Int64) })
            }
            for row in rows.0 { try body(row) }
            guard let last = rows.1, rows.0.count == page else { return }
            after = last
        }
    }

    public func exportSample(batch: String?) async throws -> (input: String?, parsed: String?) {
        try await engine.read { db in
            let arguments: SQLArguments = batch.map { [$0] } ?? []
            let input = try db.value(String.self, JobsSQL.firstInput(batchFilter: batch != nil), arguments)
            let parsed = try db.value(String.self, JobsSQL.firstParsed(batchFilter: batch != nil), arguments)
            return (input, parsed)
        }
    }

}

extension QueueSteps {
    /// Gives the caps back the reservations of cancelled jobs whose lines the provider will not run, so a
    /// retry reserves them once, not on top: those of a remote batch not uploaded yet (its file is built
    /// from the jobs it still holds) or left holding no job (the worker cancels it at the provider on its
    /// next look). A line of a remote batch that goes on may still be run and billed, and the answer to
    /// a cancelled job is never read: its reservation stays spent, as an on-demand call's in flight
    /// stays until its outcome (a retry's reservation then replaces it on the job, and the estimate
    /// stays counted once).
    static func refundUnsentLines(_ packed: [SQLRow], db: any SQLSession, now: Double) throws {
        var unsent: [String: Bool] = [:]
        for row in packed {
            let owner: String = row[1]
            if unsent[owner] == nil {
                let remote = try db.row(RemoteBatchesSQL.stateAndHeld, [owner, String(owner.dropFirst("remote:".count))])
                let state: String? = remote?[0]
                let held: Int = remote?[1] ?? 0
                unsent[owner] = state == RemoteBatchState.preparing.rawValue || (held == 0 && state != RemoteBatchState.collecting.rawValue)
            }
            if unsent[owner] == true { try settleCaps(jobID: row[0], tokens: 0, cost: 0, db: db, now: now) }
        }
    }

    /// Rows per read of an export: small enough that a read is short, large enough that reads are few.
    static let exportPageSize = 1_000
    static func exportRow(_ row: SQLRow) -> ExportRow {
        var model: String? = row["answered_model"]
        if model == nil {
            // Not answered: the model it is (or was last) waiting for.
            let models = (try? JSONDecoder().decode([String].self, from: Data((row["models"] as String).utf8))) ?? []
            let index: Int = row["model_index"]
            model = models.indices.contains(index) ? models[index] : models.last
        }
        return ExportRow(
            jobID: row["id"], customID: row["custom_id"], status: row["status"], model: model, content: row["content"],
            finishReason: row["finish_reason"], rawResponse: row["raw_response"], requestID: row["request_id"],
            promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], totalTokens: row["total_tokens"],
            errorCode: row["error_code"], errorMessage: row["error_message"], input: row["input"], parsed: row["parsed"],
            batch: row["batch_name"])
    }
}
