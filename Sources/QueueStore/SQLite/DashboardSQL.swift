/// The dashboard's reads of `jobs`, `attempts` and `workers`: pages by keyset, one job whole.
enum DashboardSQL {
    /// A page of jobs after an id, with the filters given (each bound; absent ones match everything).
    static let jobsPage = """
        SELECT j.id, b.name, j.custom_id, j.status,
               COALESCE(r.model, json_extract(j.models, '$[' || j.model_index || ']')) AS model,
               j.attempts, j.error_code, datetime(j.updated_at, 'unixepoch') AS updated
        FROM jobs j
        JOIN batches b ON b.id = j.batch_id AND b.import_heartbeat IS NULL
        LEFT JOIN results r ON r.job_id = j.id
        WHERE j.id > ?
          AND (?2 IS NULL OR b.name = ?2)
          AND (?3 IS NULL OR j.status = ?3)
          AND (?4 IS NULL OR j.error_code = ?4)
          AND (?5 IS NULL OR COALESCE(r.model, json_extract(j.models, '$[' || j.model_index || ']')) = ?5)
          AND (?6 IS NULL OR substr(j.custom_id, 1, length(?6)) = ?6)
        ORDER BY j.id
        LIMIT ?7
        """

    static let job = """
        SELECT j.id, b.name, j.custom_id, j.status,
               COALESCE(r.model, json_extract(j.models, '$[' || j.model_index || ']')) AS model,
               j.attempts, j.error_code, datetime(j.updated_at, 'unixepoch') AS updated,
               j.request, j.error_message, r.content, r.parsed, j.input, r.prompt_tokens, r.completion_tokens
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        LEFT JOIN results r ON r.job_id = j.id
        WHERE j.id = ?
        """

    static let attempts = """
        SELECT number, model, datetime(started_at, 'unixepoch'), finished_at - started_at, http_status, outcome, error_code, error_message
        FROM attempts WHERE job_id = ? ORDER BY number
        """

    /// A batch's calls per minute (the latest 120 minutes with calls): requests, tokens, 429s.
    static let throughput = """
        SELECT CAST(a.started_at / 60 AS INTEGER) AS minute, COUNT(*),
               SUM(COALESCE(a.prompt_tokens, 0) + COALESCE(a.completion_tokens, 0)), SUM(a.http_status = 429)
        FROM attempts a JOIN jobs j ON j.id = a.job_id JOIN batches b ON b.id = j.batch_id
        WHERE b.name = ?
        GROUP BY minute ORDER BY minute DESC LIMIT 120
        """

    /// Jobs by their last error's code, of one batch.
    static let errorCounts = """
        SELECT j.error_code, COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE b.name = ? AND j.error_code IS NOT NULL GROUP BY j.error_code ORDER BY COUNT(*) DESC, j.error_code
        """

    static let workers = """
        SELECT id, host, pid, datetime(started_at, 'unixepoch'), ? - heartbeat_at, stopped_at IS NOT NULL
        FROM workers ORDER BY started_at DESC
        """
}
