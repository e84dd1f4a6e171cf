import Foundation
import Logging
import PostgresNIO
import QueueStore

/// The queue without budgets, and the leases: what workers on several hosts do at once, with
/// PostgreSQL's row locks (`FOR UPDATE ... SKIP LOCKED`) where SQLite has one writer at a time.
extension PostgresJobStore {
    /// Claims up to `limit` queued, runnable jobs in priority order, then age: a worker never waits on,
    /// or takes, a job another worker's claim is taking. (The budgeted claim comes with the meters.)
    public func claim(workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date? = nil) async throws -> [ClaimedJob] {
        try await transaction { connection in
            let seconds = (now ?? Date()).timeIntervalSince1970
            let token = Int64.random(in: 1...Int64.max)
            let expires = seconds + leaseDuration
            // Jobs `--via auto` sent on demand go even while their batch is decided; others only in sight.
            let rows = try await connection.query(
                """
                UPDATE jobs SET status = 'running', lease_owner = \(workerID), lease_expires_at = \(expires), updated_at = \(seconds),
                                claim_token = \(token)
                WHERE id IN (
                    SELECT j.id FROM jobs j JOIN batches b ON b.id = j.batch_id
                    WHERE j.status = 'queued' AND j.next_attempt_at <= \(seconds) AND (\(batch)::text IS NULL OR b.name = \(batch))
                      AND (j.via = 'on-demand' OR (j.via IS NULL AND b.via = 'on-demand' AND b.import_heartbeat IS NULL))
                    ORDER BY j.priority DESC, j.id
                    LIMIT \(limit)
                    FOR UPDATE OF j SKIP LOCKED)
                RETURNING id, batch_id, custom_id, priority, request, models, model_index, attempts, model_attempts, max_attempts,
                          prompt_chars, max_tokens, lease_expires_at, model_policy, truncate, service_tier, claim_token
                """, logger: logger)
            var jobs: [ClaimedJob] = []
            for try await row in rows {
                jobs.append(try Self.claimedJob(row))
            }
            return jobs.sorted { ($0.priority, -$0.id) > ($1.priority, -$1.id) }
        }
    }

    static func claimedJob(_ row: PostgresRow) throws -> ClaimedJob {
        let (id, batchID, customID, priority, request, models, modelIndex, attempts, modelAttempts, maxAttempts) = try row.decode(
            (Int64, Int64, String, Int, String, String, Int, Int, Int, Int).self, context: .default)
        let columns = row.makeRandomAccess()
        let chain = try JSONDecoder().decode([String].self, from: Data(models.utf8))
        return ClaimedJob(
            id: id, batchID: batchID, customID: customID, priority: priority, requestJSON: request, models: chain, modelIndex: modelIndex,
            attempts: attempts, modelAttempts: modelAttempts, maxAttempts: maxAttempts,
            promptCharacters: try columns["prompt_chars"].decode(Int.self, context: .default),
            maxTokens: try columns["max_tokens"].decode(Int?.self, context: .default),
            leaseExpiresAt: Date(timeIntervalSince1970: try columns["lease_expires_at"].decode(Double.self, context: .default)),
            modelPolicy: try columns["model_policy"].decode(String?.self, context: .default),
            truncate: try columns["truncate"].decode(Bool.self, context: .default),
            serviceTier: try columns["service_tier"].decode(String?.self, context: .default),
            claimToken: try columns["claim_token"].decode(Int64?.self, context: .default))
    }

    /// Records a worker as started (or started again).
    public func registerWorker(id: String, host: String, pid: Int32, now: Date) async throws {
        let seconds = now.timeIntervalSince1970
        try await client.query(
            """
            INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES (\(id), \(host), \(Int(pid)), \(seconds), \(seconds))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL
            """, logger: logger)
    }

    /// Extends the leases `workerID` holds, and its heartbeat; returns how many leases.
    public func renewLeases(workerID: String, leaseDuration: TimeInterval, now: Date? = nil) async throws -> Int {
        try await transaction { connection in
            // The new expiry counts from the transaction's own clock reading, as SQLite's from the lock.
            let seconds = (now ?? Date()).timeIntervalSince1970
            try await connection.query("UPDATE workers SET heartbeat_at = \(seconds) WHERE id = \(workerID)", logger: logger)
            let renewed = try await connection.query(
                """
                UPDATE jobs SET lease_expires_at = \(seconds + leaseDuration) WHERE status = 'running' AND lease_owner = \(workerID) RETURNING 1
                """, logger: logger
            ).decode(Int.self).collected()
            return renewed.count
        }
    }

    /// Running jobs whose lease lapsed (their worker died or stalled) go back to the queue, counting no
    /// attempt; `workerID`'s own are spared. Returns how many.
    public func recoverExpiredLeases(now: Date? = nil, sparing workerID: String? = nil) async throws -> Int {
        try await transaction { connection in
            let seconds = (now ?? Date()).timeIntervalSince1970
            let recovered = try await connection.query(
                """
                UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = \(seconds)
                WHERE status = 'running' AND lease_expires_at < \(seconds) AND lease_owner IS DISTINCT FROM \(workerID)
                RETURNING 1
                """, logger: logger
            ).decode(Int.self).collected().count
            if recovered > 0 { try await Self.bumpChanges(connection, logger: logger) }
            return recovered
        }
    }

    /// When the earliest queued job becomes runnable, if any is queued.
    public func nextWakeTime() async throws -> Date? {
        let rows = try await client.query("SELECT MIN(next_attempt_at) FROM jobs WHERE status = 'queued'", logger: logger)
        for try await earliest in rows.decode(Double?.self) { return earliest.map(Date.init(timeIntervalSince1970:)) }
        return nil
    }
}
