/// The dashboard's reads of `jobs`, `attempts` and `workers`: pages by keyset, one job whole.
enum DashboardSQL {
    /// A page of jobs after an id, with only the filters given, so SQLite can use an index for them
    /// (`jobs_batch_status` serves a batch with a status in id order); each value is bound, in the
    /// order `batch, status, errorCode, model, search`, then the id and the limit.
    static func jobsPage(batch: Bool, status: Bool, errorCode: Bool, model: Bool, search: Bool, dialect: SQLDialect) -> String {
        var conditions = ["j.id > ?"]
        if batch { conditions.append("j.batch_id = (SELECT id FROM batches WHERE name = ?)") }
        if status { conditions.append("j.status = ?") }
        if errorCode { conditions.append("j.error_code = ?") }
        if model { conditions.append("COALESCE(r.model, \(dialect.model(at: "j.model_index", of: "j.models"))) = ?") }
        if search { conditions.append("substr(j.custom_id, 1, length(?)) = ?") }
        return """
            SELECT j.id, b.name, j.custom_id, j.status,
                   COALESCE(r.model, \(dialect.model(at: "j.model_index", of: "j.models"))) AS model,
                   j.attempts, j.error_code, \(dialect.dateTime("j.updated_at")) AS updated
            FROM jobs j
            JOIN batches b ON b.id = j.batch_id AND b.import_heartbeat IS NULL
            LEFT JOIN results r ON r.job_id = j.id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY j.id
            LIMIT ?
            """
    }

    static func job(_ dialect: SQLDialect) -> String {
        """
        SELECT j.id, b.name, j.custom_id, j.status,
               COALESCE(r.model, \(dialect.model(at: "j.model_index", of: "j.models"))) AS model,
               j.attempts, j.error_code, \(dialect.dateTime("j.updated_at")) AS updated,
               j.request, j.error_message, r.content, r.parsed, j.input, r.prompt_tokens, r.completion_tokens
        FROM jobs j JOIN batches b ON b.id = j.batch_id
        LEFT JOIN results r ON r.job_id = j.id
        WHERE j.id = ?
        """
    }

    static func attempts(_ dialect: SQLDialect) -> String {
        """
        SELECT number, model, \(dialect.dateTime("started_at")), finished_at - started_at, http_status, outcome, error_code, error_message
        FROM attempts WHERE job_id = ? ORDER BY number
        """
    }

    /// A batch's calls per minute (the latest 120 minutes with calls): requests, tokens, 429s.
    static func throughput(_ dialect: SQLDialect) -> String {
        """
        SELECT \(dialect.minute("a.started_at")) AS minute, COUNT(*),
               SUM(COALESCE(a.prompt_tokens, 0) + COALESCE(a.completion_tokens, 0)), SUM(CASE WHEN a.http_status = 429 THEN 1 ELSE 0 END)
        FROM attempts a JOIN jobs j ON j.id = a.job_id JOIN batches b ON b.id = j.batch_id
        WHERE b.name = ?
        GROUP BY minute ORDER BY minute DESC LIMIT 120
        """
    }

    /// Per batch: answers, their cost, and the first and last answer's time (SQL's work, not Swift's: the
    /// overview reads it every 10 s on queues of millions).
    static let batchActivity = """
        SELECT b.name, COUNT(*), SUM(r.cost), MIN(r.created_at), MAX(r.created_at)
        FROM results r JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id
        GROUP BY b.name
        """

    /// Jobs by their last error's code, of one batch.
    static let errorCounts = """
        SELECT j.error_code, COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id
        WHERE b.name = ? AND j.error_code IS NOT NULL GROUP BY j.error_code ORDER BY COUNT(*) DESC, j.error_code
        """

    static func workers(_ dialect: SQLDialect) -> String {
        """
        SELECT id, host, pid, \(dialect.dateTime("started_at")), ? - heartbeat_at, stopped_at IS NOT NULL
        FROM workers ORDER BY started_at DESC
        """
    }
}
