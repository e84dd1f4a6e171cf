/// Every statement on `workers` and on the `queue_changes` counter.
enum WorkersSQL {
    static let register = """
        INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL
        """
    static let heartbeat = "UPDATE workers SET heartbeat_at = ? WHERE id = ?"
    static let stop = "UPDATE workers SET stopped_at = ?, heartbeat_at = ? WHERE id = ?"
    static let bumpChanges = "UPDATE queue_changes SET counter = counter + 1 WHERE id = 1"
    static let changes = "SELECT counter FROM queue_changes WHERE id = 1"
    /// Workers that stopped, or stopped beating, before a time.
    static let pruneGone = "DELETE FROM workers WHERE COALESCE(stopped_at, heartbeat_at) < ?"
}
