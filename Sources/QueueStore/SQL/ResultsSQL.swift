/// Every statement on `results`.
enum ResultsSQL {
    static let insert = """
        INSERT INTO results (job_id, model, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,
                             queue_time, prompt_time, completion_time, total_time, response_id, request_id,
                             raw_response, created_at, cost, truncated, parsed, cached_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// Per model: completion tokens against the output limits asked for, and the average answer length.
    static let completionHistory = """
        SELECT r.model, SUM(CASE WHEN j.max_tokens IS NOT NULL THEN r.completion_tokens END), SUM(j.max_tokens),
               AVG(r.completion_tokens)
        FROM results r JOIN jobs j ON j.id = r.job_id
        GROUP BY r.model
        """
}
