import Foundation
import GRDB

/// Imports in chunks: each chunk is one short transaction, so workers keep claiming while a large file
/// goes in, and the jobs stay out of their sight (in a staging batch) until the whole file is in.
extension SQLiteJobStore {
    /// A staging batch whose import has not written for this long is taken for dead and deleted.
    public static let abandonedImportAge: TimeInterval = 600

    /// Starts an import into `batch`: a new batch is created out of sight; an existing one gets a staging
    /// batch whose jobs join it on commit. Staging batches of imports that died are deleted first.
    public func beginImport(_ batch: BatchSpec, now requested: Date? = nil) async throws -> StagedImport {
        let now = try await queueTime(requested)
        _ = try await discardAbandonedImports(now: now)
        return try await pool.write { db in
            let seconds = now.unixSeconds
            if let target = try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch.name]) {
                var staging = batch
                staging.name = BatchesSQL.stagingName(target: batch.name)
                let stagingID = try Self.findOrCreateBatch(staging, db: db, now: now)
                try db.execute(sql: BatchesSQL.beginStaging, arguments: [seconds, target, stagingID])
                return StagedImport(stagingBatchID: stagingID, targetBatchID: target, batch: batch)
            }
            if try Int64.fetchOne(db, sql: BatchesSQL.findStaging, arguments: [batch.name]) != nil {
                throw ImportConflict(batch: batch.name)
            }
            let id = try Self.findOrCreateBatch(batch, db: db, now: now)
            try db.execute(sql: BatchesSQL.beginStaging, arguments: [seconds, nil, id])
            return StagedImport(stagingBatchID: id, targetBatchID: nil, batch: batch)
        }
    }

    /// Writes one chunk of an import in one transaction and says what became of each job, in order.
    public func stage(_ jobs: [NewJob], into staged: StagedImport, now requested: Date? = nil) async throws -> [ImportSink.Addition] {
        let now = try await queueTime(requested)
        return try await pool.write { db in
            // The request and chain columns are JSON this program wrote from values it parsed, and the
            // other checked columns are ours too: SQLite's CHECKs (json_valid parses every body again)
            // cost a fifth of the write, which is most of an import's time. Off for this transaction only.
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            defer { try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF") }
            // First the heartbeat, which finds the staging batch alive or writes nothing: a batch deleted
            // as abandoned may not take jobs (under a reused id they would land in another batch).
            try Self.beat(staged, db: db, now: now)
            let sink = try ImportSink(db: db, batchID: staged.stagingBatchID, batch: staged.batch, now: now, target: staged.targetBatchID, staged: true)
            return try jobs.map { try sink.add($0) }
        }
    }

    public func beatImport(_ staged: StagedImport, now requested: Date? = nil) async throws {
        let now = try await queueTime(requested)
        try await pool.write { db in try Self.beat(staged, db: db, now: now) }
    }

    /// Renews the import's heartbeat; throws `ImportLost` when its staging batch is gone or being deleted.
    static func beat(_ staged: StagedImport, db: Database, now: Date) throws {
        try db.execute(sql: BatchesSQL.heartbeat, arguments: [now.unixSeconds, staged.stagingBatchID])
        guard db.changesCount == 1 else { throw ImportLost(batch: staged.batch.name) }
    }

    /// Brings a whole import into sight in one transaction. Moving staged jobs into an existing batch
    /// fails if another import added one of the same `custom_id`s meanwhile; then nothing changes.
    public func commitImport(_ staged: StagedImport, now requested: Date? = nil) async throws {
        let now = try await queueTime(requested)
        try await pool.write { db in
            let seconds = now.unixSeconds
            if let target = staged.targetBatchID {
                try Self.beat(staged, db: db, now: now)
                do {
                    try db.execute(sql: JobsSQL.joinTarget, arguments: [target, staged.stagingBatchID])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw ImportConflict(batch: staged.batch.name)
                }
                try db.execute(sql: BatchesSQL.delete, arguments: [staged.stagingBatchID])
                try db.execute(
                    sql: BatchesSQL.touch(.sqlite),
                    arguments: [
                        staged.batch.source, staged.batch.fallbackWhenLimited, staged.batch.tokenCap, staged.batch.costCap,
                        staged.batch.notBefore?.unixSeconds, staged.batch.deadline?.unixSeconds, seconds, staged.batch.reuse.rawValue,
                        staged.batch.reuseMaxAge, target,
                    ])
            } else {
                try db.execute(sql: BatchesSQL.reveal, arguments: [seconds, staged.stagingBatchID])
                guard db.changesCount == 1 else { throw ImportLost(batch: staged.batch.name) }
            }
            try db.execute(sql: WorkersSQL.bumpChanges)
        }
    }

    /// Withdraws an import: its staged jobs and its staging batch are deleted, a slice per transaction.
    public func discardImport(_ staged: StagedImport) async throws {
        _ = try await deleteStagingBatch(staged.stagingBatchID, beatBefore: .greatestFiniteMagnitude)
    }

    /// Deletes the staging batches of imports that stopped writing `abandonedImportAge` ago (the process
    /// died); returns how many.
    @discardableResult
    public func discardAbandonedImports(now requested: Date? = nil) async throws -> Int {
        let now = try await queueTime(requested)
        let cutoff = now.unixSeconds - Self.abandonedImportAge
        let abandoned = try await pool.read { db in
            try Int64.fetchAll(db, sql: BatchesSQL.abandonedStaging, arguments: [cutoff])
        }
        var deleted = 0
        for id in abandoned where try await deleteStagingBatch(id, beatBefore: cutoff) { deleted += 1 }
        return deleted
    }

    /// Deletes a staging batch and its jobs if its heartbeat is older than `cutoff` when looked at again,
    /// in the statement that marks it for deletion (its import may have beaten since it was found); then
    /// its jobs, a slice per transaction, and the batch. Returns whether it was deleted.
    private func deleteStagingBatch(_ id: Int64, beatBefore cutoff: Double) async throws -> Bool {
        let doomed = try await pool.write { db in
            try db.execute(sql: BatchesSQL.doomStaging, arguments: [id, cutoff])
            return db.changesCount == 1
        }
        guard doomed else { return false }
        var left = true
        while left {
            left = try await pool.write { db in
                try db.execute(sql: JobsSQL.deleteStagedSlice, arguments: [id, 10_000, id])
                guard db.changesCount == 0 else { return true }
                try db.execute(sql: BatchesSQL.deleteDoomed, arguments: [id])
                return false
            }
        }
        return true
    }
}
