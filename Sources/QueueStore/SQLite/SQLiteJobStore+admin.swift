import Foundation
import GRDB
import JobFormats

extension SQLiteJobStore {
    /// Why an admin command found nothing to act on.
    /// Kept for callers that name it through the store: the error is the queue's, not SQLite's.
    public typealias NotFoundError = QueueStore.NotFoundError

    /// Progress of every batch, or of one.
    public func batchStatuses(batch: String? = nil) async throws -> [BatchStatus] {
        try await pool.read { db in
            let rows = if let batch {
                try Row.fetchAll(db, sql: BatchesSQL.progressOfOne, arguments: [batch])
            } else {
                try Row.fetchAll(db, sql: BatchesSQL.progress)
            }
            if let batch, rows.isEmpty { throw NotFoundError(description: "no batch named '\(batch)'") }
            var paused: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: BudgetsSQL.pausedBatches) { paused[row[0]] = row[1] }
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
        try await pool.write { db in
            guard try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch]) != nil else {
                throw NotFoundError(description: "no batch named '\(batch)'")
            }
            try db.execute(sql: JobsSQL.cancel(byBatch: true), arguments: [now.unixSeconds, now.unixSeconds, batch])
            return db.changesCount
        }
    }

    /// The job a person names: by its `custom_id` (within `batch` when given), or else by its numeric
    /// id. Throws `NotFoundError` when it names none, or several batches' jobs without `batch`.
    public func findJob(_ name: String, batch: String?) async throws -> Int64 {
        try await pool.read { db in
            var matches = try Row.fetchAll(db, sql: JobsSQL.byCustomID, arguments: [name]).map { (id: $0[0] as Int64, batch: $0[1] as String) }
            if let batch {
                guard try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                matches = matches.filter { $0.batch == batch }
            }
            if matches.count == 1 { return matches[0].id }
            if matches.count > 1 {
                let names = matches.map { "'\($0.batch)'" }.joined(separator: ", ")
                throw NotFoundError(description: "custom_id '\(name)' is in \(matches.count) batches (\(names)): add --batch to say which")
            }
            if batch == nil, let id = Int64(name), try Row.fetchOne(db, sql: JobsSQL.statusAndOwner, arguments: [id]) != nil { return id }
            throw NotFoundError(description: "no job with custom_id '\(name)'\(batch.map { " in batch '\($0)'" } ?? "")")
        }
    }

    /// Cancels one job by id if it is queued or running. Returns whether it was.
    public func cancel(jobID: Int64, now: Date = Date()) async throws -> Bool {
        try await pool.write { db in
            guard try Row.fetchOne(db, sql: JobsSQL.statusAndOwner, arguments: [jobID]) != nil else {
                throw NotFoundError(description: "no job with id \(jobID)")
            }
            try db.execute(sql: JobsSQL.cancel(byBatch: false), arguments: [now.unixSeconds, now.unixSeconds, jobID])
            return db.changesCount == 1
        }
    }

    /// Puts jobs in the given end states back in the queue from the start of their model chain.
    ///
    /// Expired jobs would expire again at once under their batch's old deadline, so requeuing them gives
    /// their batches `newDeadline` (nil: none).
    public func requeue(_ statuses: [JobStatus], batch: String?, newDeadline: Date? = nil, now: Date = Date()) async throws -> Int {
        try await pool.write { db in
            var arguments: StatementArguments = [now.unixSeconds, now.unixSeconds]
            if let batch {
                guard try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                arguments += [batch]
            }
            if statuses.contains(.expired) {
                var deadlineArguments: StatementArguments = [newDeadline?.unixSeconds, now.unixSeconds]
                if let batch { deadlineArguments += [batch] }
                try db.execute(sql: BatchesSQL.setDeadlineOfExpired(byBatch: batch != nil), arguments: deadlineArguments)
            }
            try db.execute(sql: JobsSQL.requeue(statuses: statuses, byBatch: batch != nil), arguments: arguments)
            let requeued = db.changesCount
            if requeued > 0 { try db.execute(sql: WorkersSQL.bumpChanges) }
            return requeued
        }
    }

    /// Streams every job of one batch (or all batches) in input order, with its result or error.
    public func exportRows(batch: String?, _ body: (ExportRow) throws -> Void) throws {
        try pool.read { db in
            var arguments: StatementArguments = []
            if let batch {
                guard let id = try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch]) else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                arguments = [id]
            }
            let cursor = try Row.fetchCursor(db, sql: JobsSQL.export(batchFilter: batch != nil), arguments: arguments)
            while let row = try cursor.next() {
                let status: String = row["status"]
                var model: String? = row[7]
                if model == nil {
                    let models = (try? JSONDecoder().decode([String].self, from: Data((row["models"] as String).utf8))) ?? []
                    let index: Int = row["model_index"]
                    model = models.indices.contains(index) ? models[index] : models.last
                }
                try body(ExportRow(
                    jobID: row["id"], customID: row["custom_id"], status: status, model: model, content: row[8],
                    finishReason: row[9], rawResponse: row[10], requestID: row[11], promptTokens: row[12],
                    completionTokens: row[13], totalTokens: row[14], errorCode: row["error_code"],
                    errorMessage: row["error_message"]))
            }
        }
    }
}
