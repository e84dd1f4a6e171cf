/// Every statement on `jobs`. Transitions that need a held lease say so in their WHERE clause.
enum JobsSQL {
    static let maxID = "SELECT COALESCE(MAX(id), 0) FROM jobs"
    static let insert = """
        INSERT INTO jobs (batch_id, line, custom_id, priority, request, models, prompt_chars, max_tokens,
                          max_attempts, not_before, next_attempt_at, created_at, updated_at, truncate, service_tier, input,
                          request_key, prefix_key, prefix_chars)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (batch_id, custom_id) DO NOTHING
        """
    static let existing = "SELECT id, line FROM jobs WHERE batch_id = ? AND custom_id = ?"
    static let present = "SELECT 1 FROM jobs WHERE batch_id = ? AND custom_id = ?"
    /// Staged jobs join the batch they were imported into, when the whole file is in.
    static let joinTarget = "UPDATE jobs SET batch_id = ? WHERE batch_id = ?"
    /// A withdrawn or abandoned import's staged jobs, a slice at a time: no transaction holds the lock for
    /// long. Only of a staging batch marked for deletion (`BatchesSQL.doomStaging`).
    static let deleteStagedSlice = """
        DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE batch_id = ? LIMIT ?)
          AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND import_heartbeat = 0)
        """

    /// Claims queued, runnable jobs in priority order, then age.
    /// PostgreSQL's claims skip the rows other claims hold (`SKIP LOCKED`): two workers never wait on, or
    /// take, the same job. SQLite runs one write at a time.
    static func claim(batchFilter: Bool, dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ?, claim_token = ?
        WHERE id IN (
            SELECT id FROM jobs
            WHERE status = 'queued' AND next_attempt_at <= ?\(batchFilter ? " AND batch_id = (SELECT id FROM batches WHERE name = ?)" : "")
              AND (via = 'on-demand' OR (via IS NULL AND batch_id IN (SELECT id FROM batches WHERE via = 'on-demand' AND import_heartbeat IS NULL)))
            ORDER BY priority DESC, id
            LIMIT ?\(dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""))
        RETURNING id, batch_id, custom_id, priority, request, models, model_index, attempts, model_attempts,
                  max_attempts, prompt_chars, max_tokens, lease_expires_at, model_policy, truncate, service_tier, claim_token
        """
    }

    /// The columns of `candidates`, by position: named lookups per row cost more than the rest of a
    /// claim on a busy queue. `requestKey` is nil unless another job holds the same key: a request no
    /// other job shares can neither reuse an answer nor wait behind an identical one, so the claim asks
    /// nothing more of it (two queries per candidate were most of a claim's time). `prefixKey` likewise:
    /// a prefix no other job has holds no job back and waits for none (its answer still warms it).
    enum CandidateColumn: Int {
        case id, priority, models, modelIndex, promptChars, maxTokens, fallbackWhenLimited, batchID, tokenCap, costCap
        case spentTokens, spentCost, truncate, serviceTier, requestKey, prefixKey, reuse, reuseMaxAge
    }

    /// Where a page of candidates starts: the queue's head, after a job at the same priority, or at the
    /// priorities below one. (Two plain ranges of `jobs_claim_order`: one `priority < ? OR (priority = ?
    /// AND id > ?)` condition made SQLite scan from the head for every page, 20 s for 200,000 jobs.)
    enum CandidatePage {
        case head, samePriority, lowerPriority
    }

    /// Queued, runnable jobs in claim order, for admission to choose from: one page.
    static func candidates(batchFilter: Bool, page: CandidatePage, dialect: SQLDialect) -> String {
        let start =
            switch page {
            case .head: ""
            case .samePriority: "\n  AND j.priority = ? AND j.id > ?"
            case .lowerPriority: "\n  AND j.priority < ?"
            }
        return """
            SELECT j.id, j.priority, j.models, j.model_index, j.prompt_chars, j.max_tokens, b.fallback_when_limited,
                   j.batch_id, b.token_cap, b.cost_cap, b.spent_tokens, b.spent_cost, j.truncate, j.service_tier,
                   CASE WHEN EXISTS (SELECT 1 FROM jobs o WHERE o.request_key = j.request_key AND o.id <> j.id)
                        THEN j.request_key END,
                   CASE WHEN EXISTS (SELECT 1 FROM jobs o WHERE o.prefix_key = j.prefix_key AND o.id <> j.id)
                        THEN j.prefix_key END,
                   b.reuse, b.reuse_max_age
            FROM jobs j JOIN batches b ON b.id = j.batch_id
            WHERE j.status = 'queued' AND j.next_attempt_at <= ?\(batchFilter ? " AND b.name = ?" : "")
              AND (j.via = 'on-demand' OR (j.via IS NULL AND b.via = 'on-demand' AND b.import_heartbeat IS NULL))\(start)
            ORDER BY j.priority DESC, j.id
            LIMIT ?\(dialect == .postgres ? " FOR UPDATE OF j SKIP LOCKED" : "")
            """
    }
    /// Claims one admitted job on the model admission chose.
    static let claimAdmitted = """
        UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ?,
                        model_attempts = CASE WHEN model_index = ? THEN model_attempts ELSE 0 END, model_index = ?,
                        reserved_tokens = ?, reserved_cost = ?, reserved_at = ?, claim_token = ?
        WHERE id = ? AND status = 'queued'
        RETURNING id, batch_id, custom_id, priority, request, models, model_index, attempts, model_attempts,
                  max_attempts, prompt_chars, max_tokens, lease_expires_at, model_policy, truncate, service_tier, claim_token
        """
    static let earliestFutureRunnable = "SELECT MIN(next_attempt_at) FROM jobs WHERE status = 'queued' AND next_attempt_at > ?"
    /// A queued job that can never fit its model moves on, or fails, without a call.
    static let queuedMoveToModel = """
        UPDATE jobs SET model_index = ?, model_attempts = 0, error_code = ?, error_message = ?, updated_at = ?
        WHERE id = ? AND status = 'queued'
        """
    static let queuedFail = """
        UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'queued'
        """

    /// Queued jobs of batches whose deadline has passed become expired; running ones finish first.
    static let expireOverdue = """
        UPDATE jobs SET status = 'expired', finished_at = ?, updated_at = ?
        WHERE status = 'queued'
          AND batch_id IN (SELECT id FROM batches WHERE deadline IS NOT NULL AND deadline <= ?)
        """

    /// Unfinished jobs per model chain, position in it and executor (on-demand, batch-api, or auto still
    /// to decide): what `plan` sizes, once it knows which model of the chain each group calls next.
    /// Jobs a remote batch holds count as batch-api.
    static func demandByChain(batchFilter: Bool) -> String {
        """
        SELECT j.models, j.model_index, COUNT(*), SUM(j.prompt_chars),
               COALESCE(SUM(j.max_tokens), 0), SUM(CASE WHEN j.max_tokens IS NULL THEN 1 ELSE 0 END), \(executor) AS executor,
               COALESCE(SUM(j.prefix_chars) - COUNT(DISTINCT j.prefix_key) * AVG(j.prefix_chars), 0)
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE j.status IN ('queued', 'running')\(batchFilter ? " AND b.name = ?" : "")
        GROUP BY j.models, j.model_index, executor
        """
    }

    /// Which executor a job goes to, as `demandByChain` and `overOutputLimit` group it.
    private static let executor = "CASE WHEN j.lease_owner LIKE 'remote:%' THEN 'batch-api' ELSE COALESCE(j.via, b.via) END"

    /// One bounded slice of a batch's finished jobs; attempts and results go with them (ON DELETE
    /// CASCADE). The outer condition is checked again on a row another transaction changed while this
    /// waited for it (PostgreSQL): a job `retry` put back in the queue is never deleted.
    static let deleteSlice = """
        DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE batch_id = ? AND status NOT IN ('queued', 'running') LIMIT ?)
          AND status NOT IN ('queued', 'running')
        """

    /// Unfinished jobs asking for more output than `?` tokens, per executor, among the chains and
    /// positions listed in `?` (a JSON array of `models || '#' || model_index` keys): the jobs whose next
    /// model allows less output than they ask, which the provider will refuse.
    static func overOutputLimit(batchFilter: Bool, dialect: SQLDialect) -> String {
        """
        SELECT \(executor) AS executor, COUNT(*), COALESCE(SUM(j.max_tokens), 0)
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE j.status IN ('queued', 'running') AND j.max_tokens > ?
          AND j.models || '#' || j.model_index IN (SELECT value FROM \(dialect == .postgres ? "jsonb_array_elements_text(CAST(? AS jsonb))" : "json_each(?)"))\(batchFilter ? " AND b.name = ?" : "")
        GROUP BY executor
        """
    }

    /// `--model auto`: the chain chosen for a job at its first claim, and the policy that chose it.
    static let setChosenChain = """
        UPDATE jobs SET models = ?, model_index = 0, model_attempts = 0, model_policy = ?, updated_at = ?
        WHERE id = ? AND status = 'queued'
        """

    /// After a 498, a flex job of a batch imported with --flex-fallback asks for on_demand from now on.
    static let leaveFlex = """
        UPDATE jobs SET service_tier = 'on_demand'
        WHERE id = ? AND service_tier = 'flex' AND batch_id IN (SELECT id FROM batches WHERE flex_fallback = 1)
        """

    static let statusAndOwner = "SELECT status, lease_owner FROM jobs WHERE id = ?"
    /// Whose claim a job is under: its status, lease owner and the token of its latest claim; and its
    /// fingerprints, for the jobs that share its request or prefix. Locked: the outcome's writes depend
    /// on it, and a `cancel` or a second answer for the job must not change it in between.
    static func claimState(_ dialect: SQLDialect) -> String {
        "SELECT status, lease_owner, claim_token, request_key, prefix_key FROM jobs WHERE id = ?\(dialect.lockingRead)"
    }

    /// The jobs a person's `custom_id` names, with their batch (one per batch at most).
    static let byCustomID = """
        SELECT j.id, b.name FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.custom_id = ? ORDER BY b.name
        """

    static let succeed = """
        UPDATE jobs SET status = 'succeeded', attempts = attempts + 1, model_attempts = model_attempts + 1,
                        lease_owner = NULL, lease_expires_at = NULL, error_code = NULL, error_message = NULL,
                        finished_at = ?, updated_at = ?
        WHERE id = ?
        """
    static let retry = """
        UPDATE jobs SET status = 'queued', attempts = attempts + 1, model_attempts = model_attempts + ?,
                        next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        error_code = ?, error_message = ?, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
    static let moveToModel = """
        UPDATE jobs SET status = 'queued', attempts = attempts + 1, model_index = ?, model_attempts = 0,
                        next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                        error_code = ?, error_message = ?, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
    static let fail = """
        UPDATE jobs SET status = 'failed', attempts = attempts + 1, model_attempts = model_attempts + 1,
                        lease_owner = NULL, lease_expires_at = NULL, error_code = ?, error_message = ?,
                        finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """
    static let release = """
        UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
        WHERE id = ? AND status = 'running' AND lease_owner = ?
        """

    /// Renews a worker's leases: all of them, or those of the claims in a JSON array of `[job id, claim
    /// token]` pairs (the last `?`): a job leased again since under another claim is not the held one's.
    static func renewLeases(holding: Bool, dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET lease_expires_at = ? WHERE status = 'running' AND lease_owner = ?\(holding ? " AND \(heldClaim) IN (\(dialect.integerPairs(of: "?")))" : "")
        """
    }
    /// A running job's claim as `HeldClaim` names it: a job claimed without a token is claim 0.
    static let heldClaim = "(id, COALESCE(claim_token, 0))"
    static let releaseOwned = """
        UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
        WHERE status = 'running' AND lease_owner = ?
        """
    /// Two counts, so each uses its partial index, less the jobs of imports still under way: no worker
    /// can claim those yet, and the import may still withdraw them.
    static let unfinished = """
        SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'queued') + (SELECT COUNT(*) FROM jobs WHERE status = 'running')
             - (SELECT COUNT(*) FROM jobs WHERE batch_id IN (SELECT id FROM batches WHERE import_heartbeat IS NOT NULL))
        """
    /// Unfinished jobs outside the given (capped) batches: what a draining worker still waits for.
    static func unfinishedExcluding(_ count: Int) -> String {
        """
        SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')
        AND batch_id NOT IN (\(Array(repeating: "?", count: count).joined(separator: ", ")))
        AND batch_id NOT IN (SELECT id FROM batches WHERE import_heartbeat IS NOT NULL)
        """
    }
    static let unfinishedInBatch = """
        SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running') AND batch_id = (SELECT id FROM batches WHERE name = ?)
        """
    static let countByStatusInBatch = """
        SELECT status, COUNT(*) FROM jobs WHERE batch_id = (SELECT id FROM batches WHERE name = ?) GROUP BY status
        """
    /// Running jobs whose lease expired go back to the queue, except those of the worker asking (`?`,
    /// or NULL for none): its own calls may still be out, and it returns its jobs itself.
    /// With `holding`, the asking worker's expired leases come back too, but for the claims in the JSON
    /// array of `[job id, claim token]` pairs bound last (those it knows it works on).
    static func recoverExpired(holding: Bool, dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
        WHERE status = 'running' AND lease_expires_at < ? AND (lease_owner \(dialect.isDistinctFrom) ?\(holding ? " OR \(heldClaim) NOT IN (\(dialect.integerPairs(of: "?")))" : ""))
        """
    }
    static let earliestRunnable = "SELECT MIN(next_attempt_at) FROM jobs WHERE status = 'queued'"
    static let countByStatus = "SELECT status, COUNT(*) FROM jobs GROUP BY status"

    static func cancel(byBatch: Bool) -> String {
        """
        UPDATE jobs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL,
                        finished_at = ?, updated_at = ?
        WHERE status IN ('queued', 'running') AND \(byBatch ? "batch_id = (SELECT id FROM batches WHERE name = ?)" : "id = ?")
        """
    }

    static func requeue(statuses: [JobStatus], byBatch: Bool, dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET status = 'queued', model_index = 0, model_attempts = 0,
                        next_attempt_at = \(dialect.greatest("?", "COALESCE(not_before, 0)")), finished_at = NULL, updated_at = ?
        WHERE status IN (\(statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))\(byBatch ? " AND batch_id = (SELECT id FROM batches WHERE name = ?)" : "")
        """
    }

    /// One failed or cancelled job back to the queue, from the head of its chain.
    static func requeueOne(_ dialect: SQLDialect) -> String {
        """
        UPDATE jobs SET status = 'queued', model_index = 0, model_attempts = 0,
                        next_attempt_at = \(dialect.greatest("?", "COALESCE(not_before, 0)")), finished_at = NULL, updated_at = ?
        WHERE id = ? AND status IN ('failed', 'cancelled')
        """
    }

    /// Of the given jobs, those whose body asks for a response_format, with the body.
    static func structuredRequests(count: Int, dialect: SQLDialect) -> String {
        let position = dialect == .postgres ? "strpos" : "instr"
        return
            "SELECT id, request FROM jobs WHERE id IN (\(Array(repeating: "?", count: count).joined(separator: ", "))) AND \(position)(request, '\"response_format\"') > 0"
    }

    /// The first stored input row, in input order (of one batch when a name is bound).
    static func firstInput(batchFilter: Bool) -> String {
        """
        SELECT j.input FROM jobs j \(batchFilter ? "JOIN batches b ON b.id = j.batch_id AND b.name = ?" : "")
        WHERE j.input IS NOT NULL ORDER BY j.batch_id, j.line, j.id LIMIT 1
        """
    }

    /// The first parsed answer, in input order (of one batch when a name is bound).
    static func firstParsed(batchFilter: Bool) -> String {
        """
        SELECT r.parsed FROM jobs j JOIN results r ON r.job_id = j.id \(batchFilter ? "JOIN batches b ON b.id = j.batch_id AND b.name = ?" : "")
        WHERE r.parsed IS NOT NULL ORDER BY j.batch_id, j.line, j.id LIMIT 1
        """
    }

    /// One page of the export, in input order, after the row `(batch_id, line, id)` given; the index
    /// `jobs_batch_line` (which holds the row id) serves both the filter and the order. The batch's
    /// name is for CSV exports of several batches, whose custom ids may repeat.
    static func exportPage(batchFilter: Bool) -> String {
        """
        SELECT j.id, j.custom_id, j.status, j.models, j.model_index, j.error_code, j.error_message,
               r.model AS answered_model, r.content, r.finish_reason, r.raw_response, r.request_id,
               r.prompt_tokens, r.completion_tokens, r.total_tokens, j.batch_id, j.line, j.input, r.parsed,
               b.name AS batch_name
        FROM jobs j JOIN batches b ON b.id = j.batch_id LEFT JOIN results r ON r.job_id = j.id
        WHERE (j.batch_id, j.line, j.id) > (?, ?, ?) \(batchFilter ? "AND j.batch_id = ?" : "")
        ORDER BY j.batch_id, j.line, j.id
        LIMIT ?
        """
    }
}
