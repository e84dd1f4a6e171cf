/// The statements `stats` runs over the `call_stats` view (which the migrations define, with `stats`).
enum StatsSQL {
    /// Calls with their group's name, optionally of one batch and since a time (NULL arguments match all).
    static func calls(dimension: String) -> String {
        precondition(["model", "day", "batch"].contains(dimension))
        return """
            SELECT \(dimension) AS name, outcome, http_status, limit_kind, latency, queue_time, total_time,
                   prompt_tokens, completion_tokens, cost, started_at, cached_tokens
            FROM call_stats
            WHERE (CAST(? AS TEXT) IS NULL OR batch = ?) AND (CAST(? AS DOUBLE PRECISION) IS NULL OR started_at >= ?)
            """
    }
}
