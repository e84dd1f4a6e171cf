import Foundation
import GRDB
import GRDBSQLite
import JobFormats

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
            try db.execute(
                sql: BatchesSQL.touch(.sqlite),
                arguments: [
                    batch.source, batch.fallbackWhenLimited, batch.tokenCap, batch.costCap, batch.notBefore?.unixSeconds,
                    batch.deadline?.unixSeconds, now.unixSeconds, batch.reuse.rawValue, batch.reuseMaxAge, id,
                ])
            return id
        }
        try db.execute(
            sql: BatchesSQL.insert,
            arguments: [
                batch.name, batch.source, QueueSteps.jsonArray(batch.models), batch.maxTokens, batch.priority,
                batch.notBefore?.unixSeconds, batch.deadline?.unixSeconds, batch.fallbackWhenLimited, batch.tokenCap, batch.costCap, now.unixSeconds,
                now.unixSeconds,
                batch.via.rawValue, batch.ifRemoteExpires.rawValue, batch.flexFallback, batch.reuse.rawValue, batch.reuseMaxAge,
            ])
        return db.lastInsertedRowID
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
    /// The existing batch a staged import joins: a `custom_id` it holds is already present.
    let target: Int64?
    let nowSeconds: Double
    let runnableAt: Double
    var summary: ImportSummary
    /// Most lines share the batch's chain: its JSON is encoded once, not per line.
    var lastModels: [String] = []
    var lastModelsJSON = "[]"

    /// `target` is nil for an import in one transaction, whose batch may hold jobs of earlier imports,
    /// and the batch a staging batch's jobs will join for an import in chunks.
    init(db: Database, batchID: Int64, batch: BatchSpec, now: Date, target: Int64? = nil, staged: Bool = false) throws {
        self.db = db
        self.batchID = batchID
        self.batch = batch
        self.target = target
        insert = try db.cachedStatement(sql: JobsSQL.insert)
        // A staging batch holds only this import's jobs: any clash in it is a duplicate line.
        firstNewID = staged ? 0 : try Int64.fetchOne(db, sql: JobsSQL.maxID)! + 1
        nowSeconds = now.unixSeconds
        runnableAt = max(now.unixSeconds, batch.notBefore?.unixSeconds ?? 0)
        summary = ImportSummary(batchName: batch.name)
    }

    /// Adds one job; a `custom_id` seen before is reported, not inserted.
    public func add(_ job: NewJob) throws -> Addition {
        if let target, try Bool.fetchOne(db.cachedStatement(sql: JobsSQL.present), arguments: [target, job.customID]) != nil {
            summary.alreadyPresent += 1
            return .alreadyPresent
        }
        if job.models != lastModels {
            lastModels = job.models
            lastModelsJSON = QueueSteps.jsonArray(job.models)
        }
        if try insertRow(job) {
            summary.inserted += 1
            return .inserted
        }
        let row = try Row.fetchOne(db, sql: JobsSQL.existing, arguments: [batchID, job.customID])!
        let existingID: Int64 = row[0]
        if existingID >= firstNewID { return .duplicate(ofLine: row[1]) }
        summary.alreadyPresent += 1
        return .alreadyPresent
    }

    /// Binds one job's values straight to the prepared insert and runs it; false when its `custom_id`
    /// clashed. (Through `StatementArguments` each value is boxed and copied: that cost more than
    /// SQLite's own work on a large import.) The order is `JobsSQL.insert`'s.
    private func insertRow(_ job: NewJob) throws -> Bool {
        let statement = insert.sqliteStatement
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, batchID)
        sqlite3_bind_int64(statement, 2, Int64(job.line))
        bindText(statement, 3, job.customID)
        sqlite3_bind_int64(statement, 4, Int64(job.priority ?? batch.priority))
        bindText(statement, 5, job.requestJSON)
        bindText(statement, 6, lastModelsJSON)
        sqlite3_bind_int64(statement, 7, Int64(job.promptCharacters))
        if let maxTokens = job.maxTokens { sqlite3_bind_int64(statement, 8, Int64(maxTokens)) } else { sqlite3_bind_null(statement, 8) }
        sqlite3_bind_int64(statement, 9, Int64(batch.maxAttempts))
        if let notBefore = batch.notBefore { sqlite3_bind_double(statement, 10, notBefore.unixSeconds) } else { sqlite3_bind_null(statement, 10) }
        sqlite3_bind_double(statement, 11, runnableAt)
        sqlite3_bind_double(statement, 12, nowSeconds)
        sqlite3_bind_double(statement, 13, nowSeconds)
        sqlite3_bind_int64(statement, 14, (job.truncate ?? batch.truncate) ? 1 : 0)
        if let tier = job.serviceTier { bindText(statement, 15, tier) } else { sqlite3_bind_null(statement, 15) }
        if let input = job.input { bindText(statement, 16, input) } else { sqlite3_bind_null(statement, 16) }
        if let key = job.reuseKey { bindText(statement, 17, key) } else { sqlite3_bind_null(statement, 17) }
        if let key = job.prefixKey, let characters = job.prefixCharacters {
            bindText(statement, 18, key)
            sqlite3_bind_int64(statement, 19, Int64(characters))
        } else {
            sqlite3_bind_null(statement, 18)
            sqlite3_bind_null(statement, 19)
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: JobsSQL.insert)
        }
        return sqlite3_changes(db.sqliteConnection) == 1
    }

    private func bindText(_ statement: SQLiteStatement, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                statement, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count), Self.transient)
        }
    }

    /// SQLite copies the bytes it is given: the Swift string's storage need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Jobs added so far.
    public var inserted: Int { summary.inserted }
}
