/// Every statement on `results`.
enum ResultsSQL {
    static let insert = """
        INSERT INTO results (job_id, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,
                             queue_time, prompt_time, completion_time, total_time, response_id, request_id,
                             raw_response, created_at, cost, truncated, parsed, cached_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        \(replacing)
        """
    /// A job has one result row: the answer that made it succeed. A queue written by an earlier version
    /// may hold a row for a job that went back to the queue (a reused answer written as it was
    /// cancelled, then `retry`); its new answer takes that row's place instead of failing every claim or
    /// write that reaches it on the primary key.
    static let replacing = """
        ON CONFLICT (job_id) DO UPDATE SET model = excluded.model, content = excluded.content, finish_reason = excluded.finish_reason,
            prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, total_tokens = excluded.total_tokens,
            queue_time = excluded.queue_time, prompt_time = excluded.prompt_time, completion_time = excluded.completion_time,
            total_time = excluded.total_time, response_id = excluded.response_id, request_id = excluded.request_id,
            raw_response = excluded.raw_response, created_at = excluded.created_at, cost = excluded.cost, truncated = excluded.truncated,
            parsed = excluded.parsed, cached_tokens = excluded.cached_tokens, reused_from = excluded.reused_from
        """
    /// Per model: completion tokens against the output limits asked for, and the average answer length.
    static let completionHistory = """
        SELECT r.model, SUM(CASE WHEN j.max_tokens IS NOT NULL THEN r.completion_tokens END), SUM(j.max_tokens),
               AVG(r.completion_tokens)
        FROM results r JOIN jobs j ON j.id = r.job_id
        GROUP BY r.model
        """
}
