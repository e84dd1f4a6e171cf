import Foundation
import JobFormats
import GRDB

extension SQLiteJobStore {
    /// Adds jobs to a batch inside one transaction, handed to `produce` as an `ImportSink`.
    ///
    /// Nothing is committed when `produce` throws: an import with any bad line leaves the file as it was.
    /// The transaction holds the write lock while it runs; other processes wait (busy timeout).
    public func importJobs(
        into batch: BatchSpec, now: Date = Date(), _ produce: (ImportSink) throws -> Void
    ) throws -> ImportSummary {
        try pool.write { db in
            let batchID = try Self.findOrCreateBatch(batch, db: db, now: now)
            let sink = try ImportSink(db: db, batchID: batchID, batch: batch, now: now)
            try produce(sink)
            if sink.summary.inserted > 0 { try db.execute(sql: WorkersSQL.bumpChanges) }
            var summary = sink.summary
            summary.batchName = batch.name
            return summary
        }
    }

    static func findOrCreateBatch(_ batch: BatchSpec, db: Database, now: Date) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch.name]) {
            try db.execute(sql: BatchesSQL.touch, arguments: [
                batch.source, batch.fallbackWhenLimited, batch.tokenCap, batch.costCap, batch.notBefore?.unixSeconds,
                batch.deadline?.unixSeconds, now.unixSeconds, id,
            ])
            return id
        }
        try db.execute(
            sql: BatchesSQL.insert,
            arguments: [
                batch.name, batch.source, jsonArray(batch.models), batch.maxTokens, batch.priority,
                batch.notBefore?.unixSeconds, batch.deadline?.unixSeconds, batch.fallbackWhenLimited, batch.tokenCap, batch.costCap, now.unixSeconds, now.unixSeconds,
                batch.via, batch.remoteLeftovers, batch.flexFallback,
            ])
        return db.lastInsertedRowID
    }

    static func jsonArray(_ strings: [String]) -> String {
        // Our own writer, not JSONEncoder: it keeps `/` as it is, so the column reads as people wrote it.
        JSONValue.array(strings.map(JSONValue.string)).jsonString()
    }
}

/// Receives an import's jobs inside its transaction, with the insert statement prepared once.
public final class ImportSink {
    /// What adding one job did.
    public enum Addition: Equatable, Sendable {
        case inserted
        /// An earlier import put this `custom_id` in the batch; it was left as it was.
        case alreadyPresent
        /// The same file gave this `custom_id` already, on `line`.
        case duplicate(ofLine: Int)
    }

    let db: Database
    let batchID: Int64
    let batch: BatchSpec
    let insert: Statement
    let firstNewID: Int64
    let nowSeconds: Double
    let runnableAt: Double
    var summary: ImportSummary
    /// Most lines share the batch's chain: its JSON is encoded once, not per line.
    var lastModels: [String] = []
    var lastModelsJSON = "[]"

    init(db: Database, batchID: Int64, batch: BatchSpec, now: Date) throws {
        self.db = db
        self.batchID = batchID
        self.batch = batch
        insert = try db.makeStatement(sql: JobsSQL.insert)
        firstNewID = try Int64.fetchOne(db, sql: JobsSQL.maxID)! + 1
        nowSeconds = now.unixSeconds
        runnableAt = max(now.unixSeconds, batch.notBefore?.unixSeconds ?? 0)
        summary = ImportSummary(batchName: batch.name)
    }

    /// Adds one job; a `custom_id` seen before is reported, not inserted.
    public func add(_ job: NewJob) throws -> Addition {
        if job.models != lastModels {
            lastModels = job.models
            lastModelsJSON = SQLiteJobStore.jsonArray(job.models)
        }
        try insert.execute(arguments: [
            batchID, job.line, job.customID, job.priority ?? batch.priority, job.requestJSON,
            lastModelsJSON, job.promptCharacters, job.maxTokens, batch.maxAttempts,
            batch.notBefore?.unixSeconds, runnableAt, nowSeconds, nowSeconds, job.truncate ?? batch.truncate, job.serviceTier,
        ])
        if db.changesCount == 1 {
            summary.inserted += 1
            return .inserted
        }
        let row = try Row.fetchOne(db, sql: JobsSQL.existing, arguments: [batchID, job.customID])!
        let existingID: Int64 = row[0]
        if existingID >= firstNewID { return .duplicate(ofLine: row[1]) }
        summary.alreadyPresent += 1
        return .alreadyPresent
    }

    /// Jobs added so far.
    public var inserted: Int { summary.inserted }
}
