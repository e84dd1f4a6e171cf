/// Every statement on `remote_batches`, and on the jobs they carry.
enum RemoteBatchesSQL {
    /// Queued jobs waiting for the Batch API, per batch and the model they call next.
    static func waitingGroups(_ dialect: SQLDialect) -> String {
        """
        SELECT j.batch_id, \(dialect.model(at: "j.model_index", of: "j.models")) AS model, MAX(b.deadline)
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE (j.via = 'batch-api' OR (j.via IS NULL AND b.via = 'batch-api' AND b.import_heartbeat IS NULL)) AND j.status = 'queued' AND j.next_attempt_at <= ?
        GROUP BY j.batch_id, model
        """
    }
    static func waitingJobs(_ dialect: SQLDialect) -> String {
        """
        SELECT id, \(dialect.byteLength("request")), prompt_chars, max_tokens FROM jobs
        WHERE batch_id = ? AND (via = 'batch-api' OR (via IS NULL AND (SELECT via FROM batches WHERE id = batch_id AND import_heartbeat IS NULL) = 'batch-api'))
          AND status = 'queued' AND next_attempt_at <= ? AND \(dialect.model(at: "model_index", of: "models")) = ?
        ORDER BY priority DESC, id
        LIMIT ?
        """
    }
    /// Whether a worker has Batch API jobs to pack: a batch-api or auto batch with queued jobs (per batch,
    /// through the jobs_batch_status index, so an on-demand queue of millions is not scanned).
    static let anyQueued = """
        SELECT EXISTS (SELECT 1 FROM batches b WHERE b.via IN ('batch-api', 'auto') AND b.import_heartbeat IS NULL
                       AND EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id AND j.status = 'queued'))
        """
    /// The providers (as each record spells it) with remote batches still open, through remote_batches_open:
    /// a worker drives those whose `ProviderKey` is its own.
    static let openProviders = "SELECT DISTINCT provider FROM remote_batches WHERE state <> 'done'"
    /// `anyQueued` outside the given batches (`count` of them: the capped ones a draining worker leaves).
    static func anyQueued(excluding count: Int) -> String {
        """
        SELECT EXISTS (SELECT 1 FROM batches b WHERE b.via IN ('batch-api', 'auto') AND b.import_heartbeat IS NULL
                       \(count == 0 ? "" : "AND b.id NOT IN (\(Array(repeating: "?", count: count).joined(separator: ", ")))")
                       AND EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id AND j.status = 'queued'))
        """
    }
    /// Batches the packer paused at a cap with Batch API jobs queued (of one batch by name when `named`).
    static func pausedForBatchAPI(named: Bool) -> String {
        """
        SELECT b.id FROM batches b WHERE b.paused IS NOT NULL AND b.import_heartbeat IS NULL\(named ? " AND b.name = ?" : "")
          AND EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id AND j.status = 'queued'
                      AND (j.via = 'batch-api' OR (j.via IS NULL AND b.via = 'batch-api')))
        """
    }
    /// Jobs of `--via auto` batches whose executor is not decided yet, per batch and model.
    static func undecidedGroups(_ dialect: SQLDialect) -> String {
        """
        SELECT j.batch_id, \(dialect.model(at: "j.model_index", of: "j.models")) AS model, MAX(b.deadline), COUNT(*),
               SUM(j.prompt_chars), COALESCE(SUM(j.max_tokens), 0), SUM(CASE WHEN j.max_tokens IS NULL THEN 1 ELSE 0 END)
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE b.via = 'auto' AND b.import_heartbeat IS NULL AND j.via IS NULL AND j.status = 'queued'
        GROUP BY j.batch_id, model
        """
    }
    /// The first `limit` undecided jobs of a batch and model (queue order) go on demand...
    static func decideOnDemand(_ dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET via = 'on-demand', updated_at = ?
        WHERE id IN (SELECT id FROM jobs WHERE batch_id = ? AND via IS NULL AND status = 'queued'
                       AND \(dialect.model(at: "model_index", of: "models")) = ? ORDER BY priority DESC, id LIMIT ?)
        """
    }
    /// ...and the rest to the Batch API.
    static func decideBatchAPI(_ dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET via = 'batch-api', updated_at = ?
        WHERE batch_id = ? AND via IS NULL AND status = 'queued' AND \(dialect.model(at: "model_index", of: "models")) = ?
        """
    }
    static let insert = """
        INSERT INTO remote_batches (local_id, provider, batch_id, model, state, completion_window, lines, worker_id,
                                    lease_expires_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'preparing', ?, ?, ?, ?, ?, ?)
        """
    /// A job joins a remote batch, with its cap reservation (tokens and dollars, and when).
    static let takeJob = """
        UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = NULL, updated_at = ?,
                        reserved_tokens = ?, reserved_cost = ?, reserved_at = ?
        WHERE id = ? AND status = 'queued'
        """
    static let batchCaps = "SELECT token_cap, cost_cap, spent_tokens, spent_cost FROM batches WHERE id = ?"
    static let columns = """
        r.id, r.local_id, r.provider, r.batch_id, r.model, r.state, r.file_id, r.remote_batch_id, r.remote_status,
        r.output_file_id, r.error_file_id, r.completion_window, r.lines, r.answered, r.failed, r.left_over,
        r.next_poll_at, r.polls, r.last_error, r.created_at, b.name, b.if_remote_expires, b.deadline, r.worker_id
        """
    /// The open remote batches this worker may drive: its own, unowned ones, and ones whose driver's lease ran out.
    static let lease = """
        UPDATE remote_batches SET worker_id = ?, lease_expires_at = ?
        WHERE state <> 'done' AND provider = ? AND (worker_id IS NULL OR worker_id = ? OR lease_expires_at < ?)
        """
    static let leased = "SELECT \(columns) FROM remote_batches r JOIN batches b ON b.id = r.batch_id WHERE r.state <> 'done' AND r.worker_id = ? ORDER BY r.id"
    /// A worker keeps the remote batch it drives while a long upload or read goes on.
    static let renew = "UPDATE remote_batches SET lease_expires_at = ? WHERE id = ? AND worker_id = ? AND state <> 'done'"
    /// Whether the worker still holds the remote batch: every change to it and its jobs asks first.
    static let held = "SELECT 1 FROM remote_batches WHERE id = ? AND worker_id = ? AND state <> 'done'"
    static let all = "SELECT \(columns) FROM remote_batches r JOIN batches b ON b.id = r.batch_id ORDER BY r.id"
    /// A page of a remote batch's jobs, in id order: its input file's lines.
    static let inputPage = "SELECT id, request FROM jobs WHERE lease_owner = ? AND status = 'running' AND id > ? ORDER BY id LIMIT ?"
    static let heldCount = "SELECT COUNT(*) FROM jobs WHERE lease_owner = ? AND status = 'running'"
    static let heldJobs = "SELECT id FROM jobs WHERE lease_owner = ? AND status = 'running'"
    /// The jobs a cancel takes out of remote batches (of a batch by name, or one by id), with their
    /// remote batch's `lease_owner`: locked, as what their reservations become is decided from them.
    static func packedForCancel(byBatch: Bool, _ dialect: SQLDialect) -> String {
        """
        SELECT id, lease_owner FROM jobs WHERE status = 'running' AND lease_owner LIKE 'remote:%'
          AND \(byBatch ? "batch_id = (SELECT id FROM batches WHERE name = ?)" : "id = ?")\(dialect.lockingRead)
        """
    }
    /// A remote batch's state and how many jobs it still holds (`lease_owner`, then `local_id`).
    static let stateAndHeld = "SELECT state, (SELECT COUNT(*) FROM jobs WHERE lease_owner = ? AND status = 'running') FROM remote_batches WHERE local_id = ?"
    // Each change below applies only while the worker (the last `?`) holds the remote batch's lease.
    /// An upload or a create is about to be tried: if this one is lost, the next looks for what it made.
    static let trying = "UPDATE remote_batches SET polls = polls + 1, updated_at = ? WHERE id = ? AND worker_id = ?"
    static let uploaded =
        "UPDATE remote_batches SET state = 'uploaded', file_id = ?, polls = 0, updated_at = ? WHERE id = ? AND state = 'preparing' AND worker_id = ?"
    static let submitted = """
        UPDATE remote_batches SET state = 'submitted', remote_batch_id = ?, remote_status = ?, polls = 0, updated_at = ?
        WHERE id = ? AND state = 'uploaded' AND worker_id = ?
        """
    static let polled = "UPDATE remote_batches SET remote_status = ?, next_poll_at = ?, polls = polls + 1, updated_at = ? WHERE id = ? AND worker_id = ?"
    static let collecting = """
        UPDATE remote_batches SET state = 'collecting', remote_status = ?, output_file_id = ?, error_file_id = ?, updated_at = ?
        WHERE id = ? AND state = 'submitted' AND worker_id = ?
        """
    static let failedCall = "UPDATE remote_batches SET last_error = ?, next_poll_at = ?, updated_at = ? WHERE id = ? AND worker_id = ?"
    static let counted = "UPDATE remote_batches SET answered = answered + ?, failed = failed + ?, updated_at = ? WHERE id = ?"
    static let uploadFailed = """
        UPDATE remote_batches SET state = 'done', remote_status = 'upload_failed', last_error = ?, left_over = ?, finished_at = ?,
                                  updated_at = ?, worker_id = NULL
        WHERE id = ?
        """
    /// The provider refused the remote batch for good (`refuseRemote`): closed with its status and reason.
    static let refused = """
        UPDATE remote_batches SET state = 'done', remote_status = ?, last_error = ?, failed = failed + ?, left_over = ?, finished_at = ?,
                                  updated_at = ?, worker_id = NULL
        WHERE id = ?
        """
    static let done = "UPDATE remote_batches SET state = 'done', left_over = ?, finished_at = ?, updated_at = ?, worker_id = NULL WHERE id = ?"
    /// A job the remote batch left (or never uploaded) goes back to the queue: for on-demand calls when
    /// the first `?` is 1, else for the next remote batch; counting no try.
    static let requeueLeftover = """
        UPDATE jobs SET status = 'queued', via = CASE WHEN ? <> 0 THEN 'on-demand' ELSE via END, lease_owner = NULL,
                        next_attempt_at = ?, updated_at = ?, error_code = ?, error_message = ?
        WHERE id = ? AND lease_owner = ? AND status = 'running'
        """
    /// ...or fails, as the batch's policy says.
    static let failLeftover = """
        UPDATE jobs SET status = 'failed', lease_owner = NULL, error_code = ?, error_message = ?, finished_at = ?, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND status = 'running'
        """
    static func ownedStatus(_ dialect: SQLDialect) -> String {
        "SELECT status, lease_owner, model_attempts, max_attempts, model_index, json_array_length(models\(dialect == .postgres ? "::json" : "")), request_key FROM jobs WHERE id = ?"
    }
    /// A line that failed for the provider's sake counts as a try, and its job goes back to the queue:
    /// for on-demand calls when the first `?` is 1, else for the next remote batch; on the next model
    /// of its chain when this one had its tries.
    static let retryJob = """
        UPDATE jobs SET status = 'queued', via = CASE WHEN ? <> 0 THEN 'on-demand' ELSE via END, attempts = attempts + 1,
                        model_index = ?, model_attempts = ?, lease_owner = NULL, next_attempt_at = ?, updated_at = ?,
                        error_code = ?, error_message = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
    static let failJob = """
        UPDATE jobs SET status = 'failed', attempts = attempts + 1, lease_owner = NULL, error_code = ?, error_message = ?,
                        finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
    static let succeedJob = """
        UPDATE jobs SET status = 'succeeded', attempts = attempts + 1, lease_owner = NULL, error_code = NULL, error_message = NULL,
                        finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
}
