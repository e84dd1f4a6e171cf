/// Every statement on `batches`.
enum BatchesSQL {
    static let find = "SELECT id FROM batches WHERE name = ?"
    static let insert = """
        INSERT INTO batches (name, source, models, max_tokens, priority, not_before, fallback_when_limited, token_cap, cost_cap,
                             created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let touch = """
        UPDATE batches SET source = ?, fallback_when_limited = MAX(fallback_when_limited, ?),
                           token_cap = COALESCE(?, token_cap), cost_cap = COALESCE(?, cost_cap), updated_at = ?
        WHERE id = ?
        """
    static let progress = "SELECT * FROM batch_progress"
    static let progressOfOne = "SELECT * FROM batch_progress WHERE batch = ?"
}
