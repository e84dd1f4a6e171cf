import Foundation
import GRDB
import Scheduler

extension SQLQueueStore {
    /// Claims up to `limit` jobs whose cost fits every meter of their model, spending it in the same
    /// transaction: any number of workers on the queue share one budget.
    public func claim(
        workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date? = nil, budget: BudgetContext
    ) async throws -> ClaimResult {
        try await engine.write { db in
            // Admission reads the provider's meters and caps and spends them: one claim at a time per
            // provider (SQLite: per file). The clock is read once the lock is held: spends and leases
            // start when the claim commits.
            try db.lockBudgets(provider: budget.provider)
            return try QueueSteps.claimWithBudget(
                db: db, workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now ?? db.transactionTime(), context: budget)
        }
    }

    /// Jobs queued or running outside the given batches: what a draining worker still waits for when
    /// those batches are paused by their caps.
    public func unfinishedCount(excludingBatches excluded: Set<Int64>) async throws -> Int {
        try await engine.read { db in
            try db.value(Int.self, JobsSQL.unfinishedExcluding(excluded.count), SQLArguments(Array(excluded))) ?? 0
        }
    }
}

extension QueueSteps {
    static func claimWithBudget(
        db: any SQLSession, workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date, context: BudgetContext
    ) throws -> ClaimResult {
        let expired = try expireOverdue(db: db, now: now)
        var claim = try BudgetClaim(db: db, context: context, batch: batch, now: now)
        let decision = try claim.admitFromQueue(limit: limit)
        let jobs = try claim.take(decision.admitted, workerID: workerID, leaseDuration: leaseDuration)
        try claim.saveMeters()
        try claim.pause(decision.pausedBatches)
        let refused = try claim.refuse(decision)
        var result = ClaimResult(
            jobs: jobs.sorted { ($0.priority, -$0.id) > ($1.priority, -$1.id) },
            wakeAt: jobs.count < limit ? try claim.wake(decision, movedWithoutCall: refused.moved) : nil,
            tooLarge: decision.tooLarge.count, unusable: decision.unusable.count,
            pausedBatches: Set(decision.pausedBatches.keys), dayCapReached: decision.dayCapReached, expired: expired)
        result.movedWithoutCall = refused.moved
        result.failedWithoutCall = refused.failed + claim.failedChoosingModels
        result.claimedAt = now
        result.finishesMayAdmit = decision.finishesMayAdmit
        return result
    }

    static func candidate(_ row: SQLRow, chains: inout [String: [String]], caps: inout [Int64: SpendingCap]) throws -> Admission.Candidate {
        typealias Column = JobsSQL.CandidateColumn
        let json: String = row[Column.models.rawValue]
        let models = try chains[json] ?? JSONDecoder().decode([String].self, from: Data(json.utf8))
        chains[json] = models
        let batchID: Int64 = row[Column.batchID.rawValue]
        let cap = SpendingCap(
            maxTokens: row[Column.tokenCap.rawValue], maxCost: row[Column.costCap.rawValue], spentTokens: row[Column.spentTokens.rawValue],
            spentCost: row[Column.spentCost.rawValue])
        if !cap.isUnlimited, caps[batchID] == nil { caps[batchID] = cap }
        return Admission.Candidate(
            id: row[Column.id.rawValue], models: models, modelIndex: row[Column.modelIndex.rawValue],
            promptCharacters: row[Column.promptChars.rawValue], maxTokens: row[Column.maxTokens.rawValue],
            fallbackWhenLimited: row[Column.fallbackWhenLimited.rawValue] as Bool, batchID: batchID,
            truncate: row[Column.truncate.rawValue] as Bool, serviceTier: row[Column.serviceTier.rawValue])
    }

    /// The most a claim may add to each meter the page's jobs spend on: the cost of the first `limit`
    /// of them (first come, first served per meter, so no later one is admitted this round). Loads
    /// the estimators it needs into `admission`.
    static func headrooms(
        _ page: [Admission.Candidate], limit: Int, admission: inout Admission, db: any SQLSession, provider: String
    ) throws -> [String: JobCost] {
        var headrooms: [String: JobCost] = [:]
        for candidate in page where candidate.models.indices.contains(candidate.modelIndex) {
            let chain = candidate.fallbackWhenLimited ? Array(candidate.models[candidate.modelIndex...]) : [candidate.models[candidate.modelIndex]]
            for model in chain {
                if admission.estimators[model] == nil {
                    admission.estimators[model] = try loadEstimator(db: db, provider: provider, model: model)
                }
                let key = Admission.meterKey(serviceTier: candidate.serviceTier, model: model)
                var headroom = headrooms[key] ?? JobCost(tokens: 0, requests: 0)
                guard headroom.requests < limit else { continue }
                let cost = admission.cost(of: candidate, model: model)
                headroom.requests += 1
                headroom.tokens = headroom.tokens.addingReportingOverflow(cost.tokens).overflow ? Int.max : headroom.tokens + cost.tokens
                headrooms[key] = headroom
            }
        }
        return headrooms
    }

    /// `--model auto`: gives each candidate still carrying a policy its chain of fitting models, stored on
    /// the job (with the policy, which its attempts record), or fails it when no model fits. Returns how
    /// many it failed.
    static func chooseModels(_ candidates: inout [Admission.Candidate], db: any SQLSession, context: BudgetContext, now: Double) throws -> Int {
        var failed = 0
        var chooser = ModelChooser(catalog: context.catalog)
        for model in context.catalog.entries.keys {
            chooser.estimators[model] = try loadEstimator(db: db, provider: context.provider, model: model)
        }
        if candidates.contains(where: { $0.models == [ModelChooser.Policy.fastest.rawValue] }) {
            for row in try db.rows(AttemptsSQL.recentLatencyByModel, [now - 3600]) {
                chooser.latencies[row[0]] = row[1]
            }
        }
        for index in candidates.indices {
            let candidate = candidates[index]
            guard candidate.models.count == 1, ModelChooser.Policy.looksLikePolicy(candidate.models[0]) else { continue }
            let chain =
                ModelChooser.Policy(name: candidate.models[0]).map {
                    chooser.chain(policy: $0, promptCharacters: candidate.promptCharacters, maxTokens: candidate.maxTokens, truncate: candidate.truncate)
                } ?? []
            guard let policy = ModelChooser.Policy(name: candidate.models[0]), !chain.isEmpty else {
                let message =
                    ModelChooser.Policy(name: candidate.models[0]) == nil
                    ? "unknown model policy '\(candidate.models[0])'; use auto, auto:cheapest or auto:fastest"
                    : "no model in the catalog has a context window for this prompt and max_tokens (--truncate would shorten it)"
                try db.execute(JobsSQL.queuedFail, ["no_model_fits", message, now, now, candidate.id])
                candidates[index].models = []
                failed += 1
                continue
            }
            try db.execute(JobsSQL.setChosenChain, [jsonArray(chain), policy.rawValue, now, candidate.id])
            candidates[index].models = chain
            candidates[index].modelIndex = 0
        }
        return failed
    }

    /// `YYYY-MM-DD` of a time, UTC: the day the daily caps count.
    static func utcDay(_ date: Date) -> String {
        let days = Int((date.unixSeconds / 86_400).rounded(.down))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
        return String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }
}
