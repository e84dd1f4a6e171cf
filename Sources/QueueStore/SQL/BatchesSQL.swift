import Foundation

/// Every statement on `batches`.
enum BatchesSQL {
    /// A batch in sight by name: one still being imported is not found.
    static let find = "SELECT id FROM batches WHERE name = ? AND import_heartbeat IS NULL"
    static let findStaging = "SELECT id FROM batches WHERE name = ? AND import_heartbeat IS NOT NULL"
    /// A staging batch's name while it waits to join an existing batch: never a name people type.
    static func stagingName(target: String) -> String { "\u{1}import into \(target) \(UUID().uuidString.lowercased())" }
    static let beginStaging = "UPDATE batches SET import_heartbeat = ?, import_target = ? WHERE id = ?"
    /// A live import's heartbeat. A staging batch being deleted has a heartbeat of 0 (`doomStaging`),
    /// which no beat revives: an import changing no row here has lost its staging batch.
    static let heartbeat = "UPDATE batches SET import_heartbeat = ? WHERE id = ? AND import_heartbeat > 0"
    /// A new batch's import is whole: it comes into sight (unless its staging batch is being deleted).
    static let reveal = "UPDATE batches SET import_heartbeat = NULL, import_target = NULL, updated_at = ? WHERE id = ? AND import_heartbeat > 0"
    /// Staging batches whose import stopped writing before a time (it died), or being deleted.
    static let abandonedStaging = "SELECT id FROM batches WHERE import_heartbeat < ?"
    /// Marks a staging batch for deletion if its heartbeat is still older than a time, checked in the
    /// same statement: an import that beat since the batch was found keeps it. Its jobs go after, in
    /// slices (`JobsSQL.deleteStagedSlice`), and no beat, chunk or commit of the import succeeds meanwhile.
    static let doomStaging = "UPDATE batches SET import_heartbeat = 0 WHERE id = ? AND import_heartbeat < ?"
    /// A staging batch marked for deletion, once its jobs are gone.
    static let deleteDoomed = "DELETE FROM batches WHERE id = ? AND import_heartbeat = 0"
    static let insert = """
        INSERT INTO batches (name, source, models, max_tokens, priority, not_before, deadline, fallback_when_limited, token_cap,
                             cost_cap, created_at, updated_at, via, if_remote_expires, flex_fallback, reuse, reuse_max_age)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static func touch(_ dialect: SQLDialect) -> String {
        """
        UPDATE batches SET source = ?, fallback_when_limited = \(dialect.greatest("fallback_when_limited", "?")),
                           token_cap = COALESCE(?, token_cap), cost_cap = COALESCE(?, cost_cap),
                           not_before = COALESCE(?, not_before), deadline = COALESCE(?, deadline), updated_at = ?,
                           reuse = ?, reuse_max_age = ?
        WHERE id = ?
        """
    }
    static let progress = "SELECT * FROM batch_progress"
    static let progressOfOne = "SELECT * FROM batch_progress WHERE batch = ?"
    /// Batches with no queued or running job whose last job finished before a time: what `prune` removes.
    static func finishedBefore(batchFilter: Bool) -> String {
        """
        SELECT b.id, b.name FROM batches b
        WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id AND j.status IN ('queued', 'running'))
          AND COALESCE((SELECT MAX(j.finished_at) FROM jobs j WHERE j.batch_id = b.id), b.updated_at) < ?\(batchFilter ? " AND b.name = ?" : "")
        ORDER BY b.id
        """
    }
    static let hasUnfinished = "SELECT EXISTS (SELECT 1 FROM jobs WHERE batch_id = ? AND status IN ('queued', 'running'))"
    static let delete = "DELETE FROM batches WHERE id = ?"
    /// A pruned batch goes once it has no job left: deleting it would delete (cascade) jobs added since,
    /// or the record of a remote batch still open (the provider runs and bills it until a worker cancels it).
    static let deleteEmpty = """
        DELETE FROM batches WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = ?1)
          AND NOT EXISTS (SELECT 1 FROM remote_batches WHERE batch_id = ?1 AND state <> 'done')
        """
    /// The remote batches of a batch not closed yet: `prune` keeps the batch and its jobs while there is one.
    static let openRemote = """
        SELECT local_id, remote_batch_id, state, provider FROM remote_batches WHERE batch_id = ? AND state <> 'done' ORDER BY id
        """
    /// Locks a batch's row for a prune slice: an import adding jobs to it waits for the slice (the
    /// jobs' foreign key locks the row it references), or the slice for the import.
    static func lockForPrune(_ dialect: SQLDialect) -> String { "SELECT id FROM batches WHERE id = ?\(dialect.lockingRead)" }
    /// The earliest start and deadline of the batches with unfinished jobs.
    static func scheduleOfUnfinished(batchFilter: Bool) -> String {
        """
        SELECT MIN(not_before), MIN(deadline) FROM batches
        WHERE id IN (SELECT batch_id FROM jobs WHERE status IN ('queued', 'running'))\(batchFilter ? " AND name = ?" : "")
        """
    }
    /// Sets or clears the deadline of batches that hold expired jobs, before they are queued again.
    static func setDeadlineOfExpired(byBatch: Bool) -> String {
        """
        UPDATE batches SET deadline = ?, updated_at = ?
        WHERE id IN (SELECT batch_id FROM jobs WHERE status = 'expired')\(byBatch ? " AND name = ?" : "")
        """
    }
}
