/// Every statement on jobs that share a request (answer reuse) or a prompt prefix (cache-aware
/// ordering), and on `prompt_prefixes`.
enum SharingSQL {
    /// The same request: the fingerprint narrows, the full text decides (`l` is the other job, `f` this one).
    /// What else changes the request sent is part of it: `truncate` (a shortened prompt is another
    /// question) and `service_tier` (sent in the body); the schema and everything else travel in `request`.
    private static let sameRequest = """
        l.request_key = f.request_key AND l.id <> f.id AND l.request = f.request AND l.models = f.models \
        AND l.truncate = f.truncate AND COALESCE(l.service_tier, '') = COALESCE(f.service_tier, '')
        """

    /// An answer `f` (the job bound first) may take instead of calling: of an identical request in its
    /// batch, or, when its batch reuses across batches, of any batch since the time bound second. The
    /// source is always the job whose call produced the answer.
    static let reusableAnswer = """
        SELECT COALESCE(r.reused_from, l.id)
        FROM jobs f JOIN batches fb ON fb.id = f.batch_id
        JOIN jobs l ON \(sameRequest)
        JOIN results r ON r.job_id = l.id
        WHERE f.id = ? AND fb.reuse <> 'off' AND l.status = 'succeeded'
          AND (l.batch_id = f.batch_id OR (fb.reuse = 'all' AND r.created_at >= ?))
        ORDER BY r.reused_from IS NOT NULL, l.id
        LIMIT 1
        """

    /// Whether an earlier job of `f`'s batch with the identical request is still to answer: `f` waits for it.
    static let earlierUnfinished = """
        SELECT 1 FROM jobs f JOIN batches fb ON fb.id = f.batch_id
        JOIN jobs l ON \(sameRequest) AND l.batch_id = f.batch_id AND l.id < f.id
        WHERE f.id = ? AND fb.reuse <> 'off' AND l.status IN ('queued', 'running')
        LIMIT 1
        """

    /// Copies the answer of job `?` (the source) to job `?`, marked as reused, at time `?`.
    static let copyAnswer = """
        INSERT INTO results (job_id, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,
                             queue_time, prompt_time, completion_time, total_time, response_id, request_id,
                             raw_response, created_at, cost, truncated, parsed, cached_tokens, reused_from)
        SELECT ?2, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,
               NULL, NULL, NULL, NULL, response_id, request_id, raw_response, ?3, 0, truncated, parsed, NULL, job_id
        FROM results WHERE job_id = ?1
        \(ResultsSQL.replacing)
        """
    /// A queued job answered by reuse: run before `copyAnswer`, which runs only if this changed the job.
    static let succeedReused = """
        UPDATE jobs SET status = 'succeeded', error_code = NULL, error_message = NULL, finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'queued'
        """

    /// A job `succeedReused` answered whose source's answer was gone when copied: queued again.
    static let unanswerReused = """
        UPDATE jobs SET status = 'queued', finished_at = NULL, updated_at = ? WHERE id = ? AND status = 'succeeded'
        """

    /// The queued jobs waiting on job `?`'s request: the identical ones of its batch, and of batches that
    /// reuse across batches.
    static let waitingFollowers = """
        SELECT f.id FROM jobs l
        JOIN jobs f ON \(sameRequest)
        JOIN batches fb ON fb.id = f.batch_id
        WHERE l.id = ? AND f.status = 'queued'
          AND ((f.batch_id = l.batch_id AND fb.reuse <> 'off') OR fb.reuse = 'all')
        """
    /// A queued job that waited on an identical request which failed for good fails the same way.
    static let failFollower = """
        UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, finished_at = ?, updated_at = ?
        WHERE id = ? AND status = 'queued'
        """

    /// A prefix's state for one model: when it was last answered, and its pioneer if that is still running.
    static let prefixState = """
        SELECT p.warm_at, CASE WHEN j.status = 'running' AND p.pioneer_until > ? THEN p.pioneer_job END
        FROM prompt_prefixes p LEFT JOIN jobs j ON j.id = p.pioneer_job
        WHERE p.provider = ? AND p.model = ? AND p.prefix_key = ?
        """
    /// A job sent alone to warm a cold prefix.
    static let setPioneer = """
        INSERT INTO prompt_prefixes (provider, model, prefix_key, pioneer_job, pioneer_until) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (provider, model, prefix_key) DO UPDATE SET pioneer_job = excluded.pioneer_job, pioneer_until = excluded.pioneer_until
        """
    /// A call with the prefix answered: the provider has it cached from now.
    static let markWarm = """
        INSERT INTO prompt_prefixes (provider, model, prefix_key, warm_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (provider, model, prefix_key) DO UPDATE SET warm_at = excluded.warm_at
        """
    /// The pioneer's call did not answer: its group need not wait for it.
    static let endPioneer = "UPDATE prompt_prefixes SET pioneer_job = NULL WHERE pioneer_job = ?"
    /// Prefixes not used for a day are forgotten (the provider forgot them long before).
    static let forgetStale = "DELETE FROM prompt_prefixes WHERE COALESCE(warm_at, pioneer_until) < ?"

    /// Answers reused, and the tokens and cost their sources' calls took: what reuse saved.
    static func saved(batchFilter: Bool, since: Bool) -> String {
        """
        SELECT COUNT(*), COALESCE(SUM(s.prompt_tokens + s.completion_tokens), 0), COALESCE(SUM(s.cost), 0)
        FROM results r JOIN results s ON s.job_id = r.reused_from
        JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id
        WHERE r.reused_from IS NOT NULL\(batchFilter ? " AND b.name = ?" : "")\(since ? " AND r.created_at >= ?" : "")
        """
    }
}
