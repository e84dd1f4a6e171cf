import Foundation
import GRDB

extension SQLQueueStore {
    public func claim(
        workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date? = nil
    ) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        return try await engine.write { db in
            // The clock is read once the write lock is held: a lease starts when the claim commits.
            try QueueSteps.claim(db: db, workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now ?? db.transactionTime())
        }
    }

    /// Marks queued jobs of batches past their deadline expired; `status`, `export` and `plan` call it
    /// so that they show the same as a worker would see. Returns how many.
    @discardableResult
    public func expireOverdue(now: Date? = nil) async throws -> Int {
        try await engine.write { db in try QueueSteps.expireOverdue(db: db, now: now ?? db.transactionTime()) }
    }

    public func record(_ outcomes: [JobOutcome], workerID: String, now requested: Date? = nil) async throws -> [OutcomeDisposition] {
        guard !outcomes.isEmpty else { return [] }
        // Settlements change the providers' meters and caps: their lock first, before any row's.
        let providers = Set(outcomes.compactMap { $0.observation?.provider }).sorted()
        return try await engine.write { db in
            for provider in providers { try db.lockBudgets(provider: provider) }
            // Read once the lock is held: spends stamped earlier would leave their window early.
            let now = try requested ?? db.transactionTime()
            // A retry's time was planned on this host's clock, and claims compare it with the store's:
            // moved by the difference, a host behind the server keeps its backoff, one ahead adds none.
            let offset = requested == nil ? now.timeIntervalSince(db.hostTime()) : 0
            return try outcomes.map { try QueueSteps.apply($0.retrying(shiftedBy: offset), workerID: workerID, now: now, db: db) }
        }
    }

    public func renewLeases(workerID: String, holding claims: Set<HeldClaim>?, leaseDuration: TimeInterval, now: Date?) async throws -> Int {
        try await engine.write { db in
            // The new expiry counts from when the lock is held, not from before a wait for it.
            let now = try now ?? db.transactionTime()
            try db.execute(WorkersSQL.heartbeat, [now.unixSeconds, workerID])
            var arguments: SQLArguments = [now.addingTimeInterval(leaseDuration).unixSeconds, workerID]
            if let claims { arguments += [QueueSteps.jsonClaims(claims)] }
            try db.execute(JobsSQL.renewLeases(holding: claims != nil, dialect: db.dialect), arguments)
            return db.changesCount
        }
    }

    public func recoverExpiredLeases(now: Date? = nil, sparing workerID: String? = nil, holding claims: Set<HeldClaim>? = nil) async throws -> Int {
        try await engine.write { db in
            let now = try now ?? db.transactionTime()
            var arguments: SQLArguments = [now.unixSeconds, now.unixSeconds, workerID]
            if let claims { arguments += [QueueSteps.jsonClaims(claims)] }
            try db.execute(JobsSQL.recoverExpired(holding: claims != nil, dialect: db.dialect), arguments)
            let recovered = db.changesCount
            if recovered > 0 { try db.execute(WorkersSQL.bumpChanges) }
            return recovered
        }
    }

    public func nextWakeTime() async throws -> Date? {
        try await engine.read { db in
            try db.value(Double.self, JobsSQL.earliestRunnable).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func changeCounter() async throws -> Int64 {
        try await engine.read { db in try db.value(Int64.self, WorkersSQL.changes) ?? 0 }
    }

    /// Returns every job `workerID` still holds to the queue, counting no attempt. Synchronous on
    /// purpose: it runs while a worker exits, when its task may already be cancelled.
    @discardableResult
    public func releaseAll(workerID: String, now: Date? = nil) throws -> Int {
        try engine.writeNow { db in
            let now = try now ?? db.transactionTime()
            try db.execute(JobsSQL.releaseOwned, [now.unixSeconds, workerID])
            let released = db.changesCount
            if released > 0 { try db.execute(WorkersSQL.bumpChanges) }
            try db.execute(WorkersSQL.stop, [now.unixSeconds, now.unixSeconds, workerID])
            return released
        }
    }

    /// Jobs queued or running, of one batch or all: what a draining worker waits for.
    public func unfinishedCount(batch: String?) async throws -> Int {
        try await engine.read { db in
            if let batch { return try db.value(Int.self, JobsSQL.unfinishedInBatch, [batch]) ?? 0 }
            return try db.value(Int.self, JobsSQL.unfinished) ?? 0
        }
    }

    /// Jobs per status, of one batch or all, for progress lines.
    public func countsByStatus(batch: String?) async throws -> [JobStatus: Int] {
        try await engine.read { db in try QueueSteps.countsByStatus(db: db, batch: batch) }
    }

    /// Records a worker process, so `status` and people can see who holds leases.
    public func registerWorker(id: String, host: String, pid: Int32, now: Date? = nil) async throws {
        try await engine.write { db in
            let now = try now ?? db.transactionTime()
            try db.execute(WorkersSQL.register, [id, host, pid, now.unixSeconds, now.unixSeconds])
        }
    }
}

extension QueueSteps {
    /// A fresh token for one claim transaction: outcomes of calls made under it carry it back.
    static func newClaimToken() -> Int64 { Int64.random(in: 1...Int64.max) }
    static func claim(
        db: any SQLSession, workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date
    ) throws -> [ClaimedJob] {
        try expireOverdue(db: db, now: now)
        let expires = now.addingTimeInterval(leaseDuration)
        var arguments: SQLArguments = [workerID, expires.unixSeconds, now.unixSeconds, newClaimToken(), now.unixSeconds]
        if let batch { arguments += [batch] }
        arguments += [limit]
        let rows = try db.rows(JobsSQL.claim(batchFilter: batch != nil, dialect: db.dialect), arguments)
        // Most jobs of a claim share a chain: each distinct one is decoded once.
        var chains: [String: [String]] = [:]
        // RETURNING gives rows in no promised order; callers start them in queue order.
        return try rows.map { row in try claimedJob(row, chains: &chains) }.sorted { ($0.priority, -$0.id) > ($1.priority, -$1.id) }
    }

    /// Marks queued jobs of batches past their deadline expired, inside the caller's transaction, so that
    /// no claim can start a job after its deadline. Returns how many.
    @discardableResult
    static func expireOverdue(db: any SQLSession, now: Date) throws -> Int {
        try db.execute(JobsSQL.expireOverdue, [now.unixSeconds, now.unixSeconds, now.unixSeconds])
        return db.changesCount
    }

    static func claimedJob(_ row: SQLRow, chains: inout [String: [String]]) throws -> ClaimedJob {
        let modelsJSON: String = row["models"]
        let models: [String]
        if let known = chains[modelsJSON] {
            models = known
        } else {
            models = try JSONDecoder().decode([String].self, from: Data(modelsJSON.utf8))
            chains[modelsJSON] = models
        }
        return ClaimedJob(
            id: row["id"], batchID: row["batch_id"], customID: row["custom_id"], priority: row["priority"],
            requestJSON: row["request"], models: models, modelIndex: row["model_index"], attempts: row["attempts"],
            modelAttempts: row["model_attempts"], maxAttempts: row["max_attempts"],
            promptCharacters: row["prompt_chars"], maxTokens: row["max_tokens"],
            leaseExpiresAt: Date(timeIntervalSince1970: row["lease_expires_at"]), modelPolicy: row["model_policy"],
            truncate: row["truncate"], serviceTier: row["service_tier"], claimToken: row["claim_token"])
    }

    /// Writes one call's attempt row and applies its job's transition if the job is still this worker's.
    static func apply(_ outcome: JobOutcome, workerID: String, now: Date, db: any SQLSession) throws -> OutcomeDisposition {
        let seconds = now.unixSeconds
        // Whether the job is still under the claim that made this call. A lapsed lease may have been
        // claimed again since: then this outcome moves nothing and settles nothing of the new claim's.
        let state = try db.row(JobsSQL.claimState(db.dialect), [outcome.jobID])
        let current: Int64? = state?[2]
        let sameClaim = outcome.claimToken == nil || current == nil || current == outcome.claimToken
        let keys: (request: String?, prefix: String?) = (state?[3], state?[4])
        let provider = outcome.observation?.provider
        if let attempt = outcome.attempt {
            // Written already (the worker writes again when a commit's acknowledgement is lost): the
            // call's attempt, settlement and lessons are in, and must not be counted twice.
            if let token = outcome.claimToken,
                try db.row(AttemptsSQL.ofCall, [outcome.jobID, token, attempt.startedAt.unixSeconds]) != nil
            {
                return current == token ? .applied : .leaseLost
            }
            try db.send(
                AttemptsSQL.insertCall,
                [
                    outcome.jobID, outcome.jobID, attempt.model, workerID, attempt.startedAt.unixSeconds,
                    attempt.finishedAt.unixSeconds, attempt.httpStatus, attempt.outcome.rawValue, attempt.errorCode,
                    attempt.errorMessage, attempt.promptTokens, attempt.completionTokens, attempt.requestID,
                    attempt.limitKind, attempt.chosenBy, attempt.answer, attempt.cachedTokens, outcome.claimToken,
                ])
        }
        if let observation = outcome.observation {
            try observe(observation, jobID: outcome.jobID, db: db, now: seconds, settle: sameClaim)
        }
        switch outcome.transition {
        case .succeed(let result):
            // An answer is worth keeping even if the lease expired meanwhile, as long as no other answer
            // was stored first: the job gets exactly one result row either way.
            guard let state else { return .leaseLost }
            let status: String = state[0]
            if status == JobStatus.succeeded.rawValue { return .duplicateResult }
            guard status == JobStatus.running.rawValue || status == JobStatus.queued.rawValue else { return .leaseLost }
            try db.send(
                ResultsSQL.insert,
                [
                    outcome.jobID, result.model, result.content, result.finishReason, result.promptTokens,
                    result.completionTokens, result.totalTokens, result.queueTime, result.promptTime,
                    result.completionTime, result.totalTime, result.responseID, result.requestID, result.rawResponse,
                    seconds, outcome.observation?.actualCost, result.truncated, result.parsed, result.cachedTokens,
                ])
            try db.send(JobsSQL.succeed, [seconds, seconds, outcome.jobID])
            if keys.request != nil || keys.prefix != nil {
                // Keyed by the model called, as claims look prefixes up: an answer may name another
                // (OpenAI answers `gpt-4o-2024-08-06` to `gpt-4o`). Every call the worker records has its attempt.
                let called = outcome.attempt?.model ?? result.model
                try shareOutcome(jobID: outcome.jobID, keys: keys, succeededOn: called, failure: nil, provider: provider, db: db, now: seconds)
            }
            return .applied
        case _ where !sameClaim:
            return .leaseLost
        case .retry(let at, let code, let message, let counted):
            if outcome.attempt?.httpStatus == 498 { try db.execute(JobsSQL.leaveFlex, [outcome.jobID]) }
            try db.execute(
                JobsSQL.retry,
                [
                    counted ? 1 : 0, at.unixSeconds, code, message, seconds, outcome.jobID, workerID,
                ])
            if db.changesCount == 1, keys.prefix != nil {
                try shareOutcome(jobID: outcome.jobID, keys: (nil, keys.prefix), succeededOn: nil, failure: nil, provider: provider, db: db, now: seconds)
                return .applied
            }
        case .moveToModel(let index, let code, let message):
            try db.execute(
                JobsSQL.moveToModel,
                [
                    index, seconds, code, message, seconds, outcome.jobID, workerID,
                ])
        case .fail(let code, let message):
            try db.execute(JobsSQL.fail, [code, message, seconds, seconds, outcome.jobID, workerID])
            if db.changesCount == 1, keys.request != nil || keys.prefix != nil {
                try shareOutcome(jobID: outcome.jobID, keys: keys, succeededOn: nil, failure: (code, message), provider: provider, db: db, now: seconds)
                return .applied
            }
        case .release:
            try db.execute(JobsSQL.release, [seconds, outcome.jobID, workerID])
            if db.changesCount == 1 { try db.execute(WorkersSQL.bumpChanges) }
            return db.changesCount >= 1 ? .applied : .leaseLost
        }
        return db.changesCount == 1 ? .applied : .leaseLost
    }

    static func countsByStatus(db: any SQLSession, batch: String?) throws -> [JobStatus: Int] {
        let rows =
            if let batch {
                try db.rows(JobsSQL.countByStatusInBatch, [batch])
            } else {
                try db.rows(JobsSQL.countByStatus)
            }
        var counts: [JobStatus: Int] = [:]
        for row in rows {
            if let status = JobStatus(rawValue: row[0]) { counts[status] = row[1] }
        }
        return counts
    }
}
