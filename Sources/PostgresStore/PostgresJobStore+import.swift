import Foundation
import JobFormats
import Logging
import PostgresNIO
import QueueStore

/// Imports in chunks, as in SQLite: each chunk one short transaction into a staging batch that no claim
/// sees, brought into sight at once by `commitImport`.
extension PostgresJobStore {
    /// A staging batch whose import has not written for this long is taken for dead and deleted.
    public static let abandonedImportAge: TimeInterval = SQLiteJobStore.abandonedImportAge

    /// Starts an import into `batch`: a new batch is created out of sight; an existing one gets a staging
    /// batch whose jobs join it on commit. Staging batches of imports that died are deleted first.
    public func beginImport(_ batch: BatchSpec, now requested: Date? = nil) async throws -> StagedImport {
        let now = try await queueTime(requested)
        _ = try await discardAbandonedImports(now: now)
        let seconds = now.timeIntervalSince1970
        do {
            return try await transaction { connection in
                let found = try await connection.query(
                    "SELECT id, import_heartbeat IS NULL FROM batches WHERE name = \(batch.name)", logger: logger
                ).decode((Int64, Bool).self).collected()
                if let (target, inSight) = found.first {
                    guard inSight else { throw ImportConflict(batch: batch.name) }
                    var staging = batch
                    staging.name = "\u{1}import into \(batch.name) \(UUID().uuidString.lowercased())"
                    let id = try await Self.insertBatch(staging, heartbeat: seconds, target: target, connection: connection, logger: logger)
                    return StagedImport(stagingBatchID: id, targetBatchID: target, batch: batch)
                }
                let id = try await Self.insertBatch(batch, heartbeat: seconds, target: nil, connection: connection, logger: logger)
                return StagedImport(stagingBatchID: id, targetBatchID: nil, batch: batch)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // Another import created the same new batch between our look and our insert.
            throw ImportConflict(batch: batch.name)
        }
    }

    static func insertBatch(_ batch: BatchSpec, heartbeat: Double, target: Int64?, connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let models = JSONValue.array(batch.models.map(JSONValue.string)).jsonString()
        let rows = try await connection.query(
            """
            INSERT INTO batches (name, source, models, max_tokens, priority, not_before, deadline, fallback_when_limited, token_cap,
                                 cost_cap, created_at, updated_at, via, if_remote_expires, flex_fallback, reuse, reuse_max_age,
                                 import_heartbeat, import_target)
            VALUES (\(batch.name), \(batch.source), \(models), \(batch.maxTokens), \(batch.priority), \(batch.notBefore?.timeIntervalSince1970),
                    \(batch.deadline?.timeIntervalSince1970), \(batch.fallbackWhenLimited ? 1 : 0), \(batch.tokenCap), \(batch.costCap), \(heartbeat),
                    \(heartbeat), \(batch.via.rawValue), \(batch.ifRemoteExpires.rawValue), \(batch.flexFallback ? 1 : 0), \(batch.reuse.rawValue),
                    \(batch.reuseMaxAge), \(heartbeat), \(target))
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw PostgresStoreError("inserting batch '\(batch.name)' returned no id")
    }

    /// Writes one chunk of an import in one transaction (one statement for its rows) and says what
    /// became of each job, in order.
    public func stage(_ jobs: [NewJob], into staged: StagedImport, now requested: Date? = nil) async throws -> [ImportSink.Addition] {
        let now = try await queueTime(requested)
        let seconds = now.timeIntervalSince1970
        let batch = staged.batch
        let runnableAt = max(seconds, batch.notBefore?.timeIntervalSince1970 ?? 0)
        return try await transaction { connection in
            // First the heartbeat, which finds the staging batch alive (and locks its row against a
            // deletion) or writes nothing: a batch deleted as abandoned may take no more jobs.
            try await Self.beat(staged, seconds: seconds, connection: connection, logger: logger)
            var present = Set<String>()
            if let target = staged.targetBatchID {
                let ids = jobs.map(\.customID)
                let rows = try await connection.query(
                    "SELECT custom_id FROM jobs WHERE batch_id = \(target) AND custom_id = ANY(\(ids))", logger: logger)
                for try await id in rows.decode(String.self) { present.insert(id) }
            }
            // A custom_id the chunk repeats goes in once, from its first line; the rest are duplicates of it.
            var seen = Set<String>()
            let fresh = jobs.filter { !present.contains($0.customID) && seen.insert($0.customID).inserted }
            var inserted = Set<String>()
            if !fresh.isEmpty {
                // Arrays cannot hold NULL through the driver: -1 and "" stand for it, turned back by NULLIF.
                let lines = fresh.map { Int64($0.line) }
                let ids = fresh.map(\.customID)
                let priorities = fresh.map { Int64($0.priority ?? batch.priority) }
                let requests = fresh.map(\.requestJSON)
                let chains = fresh.map { JSONValue.array($0.models.map(JSONValue.string)).jsonString() }
                let characters = fresh.map { Int64($0.promptCharacters) }
                let maxTokens = fresh.map { Int64($0.maxTokens ?? -1) }
                let truncate = fresh.map { ($0.truncate ?? batch.truncate) ? 1 : 0 }
                let tiers = fresh.map { $0.serviceTier ?? "" }
                let inputs = fresh.map { $0.input ?? "" }
                let reuseKeys = fresh.map { $0.reuseKey ?? "" }
                let prefixKeys = fresh.map { $0.prefixKey ?? "" }
                let prefixCharacters = fresh.map { Int64($0.prefixCharacters ?? -1) }
                let rows = try await connection.query(
                    """
                    INSERT INTO jobs (batch_id, line, custom_id, priority, request, models, prompt_chars, max_tokens, max_attempts, not_before,
                                      next_attempt_at, created_at, updated_at, truncate, service_tier, input, request_key, prefix_key, prefix_chars)
                    SELECT \(staged.stagingBatchID), u.line, u.custom_id, u.priority, u.request, u.models, u.prompt_chars, NULLIF(u.max_tokens, -1),
                           \(batch.maxAttempts), \(batch.notBefore?.timeIntervalSince1970), \(runnableAt), \(seconds), \(seconds), u.truncate,
                           NULLIF(u.tier, ''), NULLIF(u.input, ''), NULLIF(u.request_key, ''), NULLIF(u.prefix_key, ''), NULLIF(u.prefix_chars, -1)
                    FROM unnest(\(lines)::bigint[], \(ids)::text[], \(priorities)::bigint[], \(requests)::text[], \(chains)::text[],
                                \(characters)::bigint[], \(maxTokens)::bigint[], \(truncate)::integer[], \(tiers)::text[], \(inputs)::text[],
                                \(reuseKeys)::text[], \(prefixKeys)::text[], \(prefixCharacters)::bigint[])
                         WITH ORDINALITY AS u(line, custom_id, priority, request, models, prompt_chars, max_tokens, truncate, tier, input,
                                              request_key, prefix_key, prefix_chars, ordinal)
                    ORDER BY u.ordinal
                    ON CONFLICT (batch_id, custom_id) DO NOTHING
                    RETURNING custom_id, line
                    """, logger: logger)
                for try await (id, line) in rows.decode((String, Int).self) { inserted.insert("\(line)\u{0}\(id)") }
            }
            // A line not inserted clashed with an earlier line of this import: staged before, or earlier in this chunk.
            var firstLine: [String: Int] = [:]
            for job in fresh where inserted.contains("\(job.line)\u{0}\(job.customID)") { firstLine[job.customID] = job.line }
            let clashing = fresh.filter { !inserted.contains("\($0.line)\u{0}\($0.customID)") }.map(\.customID)
            if !clashing.isEmpty {
                let rows = try await connection.query(
                    "SELECT custom_id, line FROM jobs WHERE batch_id = \(staged.stagingBatchID) AND custom_id = ANY(\(clashing))", logger: logger)
                for try await (id, line) in rows.decode((String, Int).self) { firstLine[id] = line }
            }
            var answered = Set<String>()
            return jobs.map { job -> ImportSink.Addition in
                if present.contains(job.customID) { return .alreadyPresent }
                if answered.insert(job.customID).inserted, inserted.contains("\(job.line)\u{0}\(job.customID)") { return .inserted }
                return .duplicate(ofLine: firstLine[job.customID] ?? job.line)
            }
        }
    }

    public func beatImport(_ staged: StagedImport, now requested: Date? = nil) async throws {
        let now = try await queueTime(requested)
        try await transaction { connection in
            try await Self.beat(staged, seconds: now.timeIntervalSince1970, connection: connection, logger: logger)
        }
    }

    /// Renews the import's heartbeat; throws `ImportLost` when its staging batch is gone or being deleted
    /// (a heartbeat of 0, which no beat revives).
    static func beat(_ staged: StagedImport, seconds: Double, connection: PostgresConnection, logger: Logger) async throws {
        let beaten = try await connection.query(
            "UPDATE batches SET import_heartbeat = \(seconds) WHERE id = \(staged.stagingBatchID) AND import_heartbeat > 0 RETURNING id", logger: logger
        ).decode(Int64.self).collected()
        guard beaten.count == 1 else { throw ImportLost(batch: staged.batch.name) }
    }

    /// Brings a whole import into sight in one transaction. Moving staged jobs into an existing batch
    /// fails if another import added one of the same `custom_id`s meanwhile; then nothing changes.
    public func commitImport(_ staged: StagedImport, now requested: Date? = nil) async throws {
        let now = try await queueTime(requested)
        let seconds = now.timeIntervalSince1970
        let batch = staged.batch
        do {
            try await transaction { connection in
                if let target = staged.targetBatchID {
                    try await Self.beat(staged, seconds: seconds, connection: connection, logger: logger)
                    try await connection.query("UPDATE jobs SET batch_id = \(target) WHERE batch_id = \(staged.stagingBatchID)", logger: logger)
                    try await connection.query("DELETE FROM batches WHERE id = \(staged.stagingBatchID)", logger: logger)
                    try await connection.query(
                        """
                        UPDATE batches SET source = \(batch.source), fallback_when_limited = GREATEST(fallback_when_limited, \(batch.fallbackWhenLimited ? 1 : 0)),
                                           token_cap = COALESCE(\(batch.tokenCap), token_cap), cost_cap = COALESCE(\(batch.costCap), cost_cap),
                                           not_before = COALESCE(\(batch.notBefore?.timeIntervalSince1970), not_before),
                                           deadline = COALESCE(\(batch.deadline?.timeIntervalSince1970), deadline), updated_at = \(seconds),
                                           reuse = \(batch.reuse.rawValue), reuse_max_age = \(batch.reuseMaxAge)
                        WHERE id = \(target)
                        """, logger: logger)
                } else {
                    let revealed = try await connection.query(
                        """
                        UPDATE batches SET import_heartbeat = NULL, import_target = NULL, updated_at = \(seconds)
                        WHERE id = \(staged.stagingBatchID) AND import_heartbeat > 0 RETURNING id
                        """, logger: logger
                    ).decode(Int64.self).collected()
                    guard revealed.count == 1 else { throw ImportLost(batch: batch.name) }
                }
                try await Self.bumpChanges(connection, logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw ImportConflict(batch: batch.name)
        }
    }

    /// Withdraws an import: its staged jobs and its staging batch are deleted, a slice per transaction.
    public func discardImport(_ staged: StagedImport) async throws {
        _ = try await deleteStagingBatch(staged.stagingBatchID, beatBefore: .greatestFiniteMagnitude)
    }

    /// Deletes the staging batches of imports that stopped writing `abandonedImportAge` ago (the process
    /// died); returns how many.
    @discardableResult
    public func discardAbandonedImports(now requested: Date? = nil) async throws -> Int {
        let now = try await queueTime(requested)
        let cutoff = now.timeIntervalSince1970 - Self.abandonedImportAge
        let abandoned = try await client.query("SELECT id FROM batches WHERE import_heartbeat < \(cutoff)", logger: logger).decode(Int64.self).collected()
        var deleted = 0
        for id in abandoned where try await deleteStagingBatch(id, beatBefore: cutoff) { deleted += 1 }
        return deleted
    }

    /// Deletes a staging batch and its jobs if its heartbeat is older than `cutoff` when looked at again,
    /// in the statement that marks it for deletion (heartbeat 0; its import may have beaten since it was
    /// found, and a beat holding the row is waited for); then its jobs, a slice per transaction, and the
    /// batch. Returns whether it was deleted.
    private func deleteStagingBatch(_ id: Int64, beatBefore cutoff: Double) async throws -> Bool {
        let doomed = try await client.query(
            "UPDATE batches SET import_heartbeat = 0 WHERE id = \(id) AND import_heartbeat < \(cutoff) RETURNING id", logger: logger
        ).decode(Int64.self).collected()
        guard doomed.count == 1 else { return false }
        while true {
            let deleted = try await client.query(
                """
                DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE batch_id = \(id) LIMIT 10000)
                  AND EXISTS (SELECT 1 FROM batches WHERE id = \(id) AND import_heartbeat = 0) RETURNING 1
                """, logger: logger
            ).decode(Int.self).collected().count
            if deleted == 0 { break }
        }
        try await client.query("DELETE FROM batches WHERE id = \(id) AND import_heartbeat = 0", logger: logger)
        return true
    }
}

/// A fault of the PostgreSQL store's own (a query that returned nothing where it must).
struct PostgresStoreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension AsyncSequence {
    /// Every element, in order.
    func collected() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
