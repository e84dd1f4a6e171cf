/// Every statement on `attempts`.
enum AttemptsSQL {
    static let insert = """
        INSERT INTO attempts (job_id, number, model, worker_id, started_at, finished_at, http_status, outcome,
                              error_code, error_message, prompt_tokens, completion_tokens, request_id, limit_kind, chosen_by, answer, cached_tokens)
        VALUES (?, (SELECT COUNT(*) + 1 FROM attempts WHERE job_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// One on-demand call's attempt, under the claim that made it (the last `?`): an outcome written
    /// twice (again after a lost commit acknowledgement) finds it and applies nothing more.
    static let insertCall = """
        INSERT INTO attempts (job_id, number, model, worker_id, started_at, finished_at, http_status, outcome, error_code, error_message,
                              prompt_tokens, completion_tokens, request_id, limit_kind, chosen_by, answer, cached_tokens, claim_token)
        VALUES (?, (SELECT COUNT(*) + 1 FROM attempts WHERE job_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// Whether a call has its attempt already: the call a claim made for a job, started then.
    static let ofCall = "SELECT 1 FROM attempts WHERE job_id = ? AND claim_token = ? AND started_at = ?"
    /// Per model: the average seconds of a successful call since a time (for `auto:fastest`).
    static let recentLatencyByModel = """
        SELECT model, AVG(finished_at - started_at) FROM attempts
        WHERE started_at > ? AND outcome = 'success' GROUP BY model
        """
    /// Per model: the average seconds of a successful call.
    static let latencyByModel = """
        SELECT model, AVG(finished_at - started_at) FROM attempts WHERE outcome = 'success' GROUP BY model
        """
}
