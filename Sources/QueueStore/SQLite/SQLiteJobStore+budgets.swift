import Foundation
import GRDB
import Scheduler

extension SQLiteJobStore {
    /// Claims up to `limit` jobs whose cost fits every meter of their model, spending it in the same
    /// `BEGIN IMMEDIATE` transaction: any number of workers on the file share one budget.
    public func claim(
        workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date? = nil, budget: BudgetContext
    ) async throws -> ClaimResult {
        try await pool.write { db in
            // The clock is read once the write lock is held: spends and leases start when the claim commits.
            try Self.claimWithBudget(
                db: db, workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now ?? Date(), context: budget)
        }
    }

    static func claimWithBudget(
        db: Database, workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date, context: BudgetContext
    ) throws -> ClaimResult {
        let seconds = now.unixSeconds
        let expired = try expireOverdue(db: db, now: now)
        var chains: [String: [String]] = [:]
        let today = utcDay(now)
        var dayCap = SpendingCap(maxTokens: context.dailyTokenCap, maxCost: context.dailyCostCap)
        if !dayCap.isUnlimited, let row = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.day), arguments: [today]) {
            dayCap.spentTokens = row[0]
            dayCap.spentCost = row[1]
        }
        var failedWithoutCall = 0
        var meterIDs: [String: [LimitKind: Int64]] = [:]
        var admission = Admission(budgets: [:], estimators: [:], catalog: context.catalog, batchCaps: [:], dayCap: dayCap)
        var round = Admission.Round()
        var candidates: [Admission.Candidate] = []
        // Admission sees the whole runnable queue, page by page, until it has admitted enough: a paused
        // batch, a model blocked for the day or a first job that does not fit never hides the jobs of
        // other batches and models behind it.
        var after: (priority: Int, id: Int64)?
        let pageSize = max(min(limit.multipliedReportingOverflow(by: 4).overflow ? Int.max : limit * 4, 512), 64)
        func fetch(_ page: JobsSQL.CandidatePage, _ start: StatementArguments, count: Int) throws -> [Row] {
            var arguments: StatementArguments = [seconds]
            if let batch { arguments += [batch] }
            arguments += start
            arguments += [count]
            return try Row.fetchAll(db.cachedStatement(sql: JobsSQL.candidates(batchFilter: batch != nil, page: page)), arguments: arguments)
        }
        while !round.isComplete(limit: limit) {
            var rows: [Row]
            if let after {
                rows = try fetch(.samePriority, [after.priority, after.id], count: pageSize)
                if rows.count < pageSize { rows += try fetch(.lowerPriority, [after.priority], count: pageSize - rows.count) }
            } else {
                rows = try fetch(.head, [], count: pageSize)
            }
            var page = try rows.map { try candidate($0, chains: &chains, caps: &admission.batchCaps) }
            if let last = rows.last { after = (last[JobsSQL.CandidateColumn.priority.rawValue], last[JobsSQL.CandidateColumn.id.rawValue]) }
            if page.contains(where: { $0.models.count == 1 && ModelChooser.Policy.looksLikePolicy($0.models[0]) }) {
                failedWithoutCall += try chooseModels(&page, db: db, context: context, now: seconds)
            }
            for (key, headroom) in try headrooms(page, limit: limit, admission: &admission, db: db, provider: context.provider)
            where admission.budgets[key] == nil {
                (admission.budgets[key], meterIDs[key]) = try loadBudget(
                    db: db, provider: context.provider, model: key, catalog: context.catalog, now: seconds, headroom: headroom)
            }
            admission.admit(page, limit: limit, now: seconds, round: &round)
            candidates += page
            if rows.count < pageSize { break }
        }
        let decision = round.decision

        let byID = Dictionary(candidates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var touched = round.raised
        var jobs: [ClaimedJob] = []
        let expires = now.addingTimeInterval(leaseDuration).unixSeconds
        let claimToken = newClaimToken()
        for admitted in decision.admitted {
            let model = admitted.meterKey
            touched.insert(model)
            // A reservation left open by an earlier claim of the job (its lease lapsed) keeps counting, settled as it was.
            try closeOpenSpends(jobID: admitted.id, settledTokens: nil, db: db, now: seconds)
            // Meters without a limit keep no log: nothing would ever read it.
            for (kind, meterID) in meterIDs[model]! where admission.budgets[model]!.meters[kind]?.limit != nil {
                try db.cachedStatement(sql: BudgetsSQL.insertOpenSpend).execute(arguments: [meterID, seconds, admitted.cost.amount(for: kind), admitted.id])
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: JobsSQL.claimAdmitted), arguments: [
                workerID, expires, seconds, admitted.modelIndex, admitted.modelIndex, admitted.cost.tokens, admitted.cost.cost, seconds, claimToken, admitted.id,
            ])
            try db.cachedStatement(sql: BudgetsSQL.reserveBatch).execute(arguments: [admitted.cost.tokens, admitted.cost.cost, admitted.batchID])
            try db.cachedStatement(sql: BudgetsSQL.resumeBatch).execute(arguments: [admitted.batchID])
            try db.cachedStatement(sql: BudgetsSQL.reserveDay).execute(arguments: [today, admitted.cost.tokens, admitted.cost.cost])
            jobs += try rows.map { row in
                var job = try claimedJob(row, chains: &chains)
                if let estimator = admission.estimators[byID[admitted.id]!.models[admitted.modelIndex]] {
                    job.tokensPerCharacter = estimator.ratio * (1 + estimator.margin)
                }
                return job
            }
        }
        for model in touched {
            for (kind, meter) in admission.budgets[model]!.meters where meter.limit != nil {
                try saveMeter(db: db, id: meterIDs[model]![kind]!, meter: meter, now: seconds)
            }
        }
        for (batchID, cost) in decision.pausedBatches {
            let reason = admission.batchCaps[batchID]?.reason(for: cost) ?? "cap reached"
            try db.cachedStatement(sql: BudgetsSQL.pauseBatch).execute(arguments: [reason, batchID])
        }
        // A job moved to its next model is runnable at once: the worker must look again, not idle.
        var movedWithoutCall = 0
        for refused in decision.unusable {
            let candidate = byID[refused.id]!
            if refused.modelIndex + 1 < candidate.models.count {
                movedWithoutCall += 1
                try db.cachedStatement(sql: JobsSQL.queuedMoveToModel).execute(arguments: [refused.modelIndex + 1, refused.code, refused.message, seconds, refused.id])
            } else {
                failedWithoutCall += 1
                try db.cachedStatement(sql: JobsSQL.queuedFail).execute(arguments: [refused.code, refused.message, seconds, seconds, refused.id])
            }
        }
        for refused in decision.tooLarge {
            let candidate = byID[refused.id]!
            let model = candidate.models[refused.modelIndex]
            let message = "the job needs \(refused.cost) \(refused.kind.countsTokens ? "tokens" : "requests") but \(model) allows \(refused.limit) per \(refused.kind.period == 60 ? "minute" : "day") (\(refused.kind.rawValue.uppercased())); lower max_tokens or use a model with a larger limit"
            if refused.modelIndex + 1 < candidate.models.count {
                movedWithoutCall += 1
                try db.cachedStatement(sql: JobsSQL.queuedMoveToModel).execute(arguments: [refused.modelIndex + 1, "request_too_large", message, seconds, refused.id])
            } else {
                failedWithoutCall += 1
                try db.cachedStatement(sql: JobsSQL.queuedFail).execute(arguments: ["request_too_large", message, seconds, seconds, refused.id])
            }
        }
        var wake: Double?
        if jobs.count < limit {
            let nextRunnable = try Double.fetchOne(db.cachedStatement(sql: JobsSQL.earliestFutureRunnable), arguments: [seconds])
            let nextDay = decision.dayCapReached ? (seconds / 86_400).rounded(.down) * 86_400 + 86_400 : nil
            wake = [decision.wakeAt, nextRunnable, nextDay, movedWithoutCall > 0 ? seconds : nil].compactMap { $0 }.min()
        }
        var result = ClaimResult(
            jobs: jobs.sorted { ($0.priority, -$0.id) > ($1.priority, -$1.id) },
            wakeAt: wake.map(Date.init(timeIntervalSince1970:)), tooLarge: decision.tooLarge.count, unusable: decision.unusable.count,
            pausedBatches: Set(decision.pausedBatches.keys), dayCapReached: decision.dayCapReached, expired: expired)
        result.movedWithoutCall = movedWithoutCall
        result.failedWithoutCall = failedWithoutCall
        return result
    }

    /// One row of `JobsSQL.candidates` as admission sees it; a batch's cap goes to `caps` the first time.
    static func candidate(_ row: Row, chains: inout [String: [String]], caps: inout [Int64: SpendingCap]) throws -> Admission.Candidate {
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
        _ page: [Admission.Candidate], limit: Int, admission: inout Admission, db: Database, provider: String
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
    static func chooseModels(_ candidates: inout [Admission.Candidate], db: Database, context: BudgetContext, now: Double) throws -> Int {
        var failed = 0
        var chooser = ModelChooser(catalog: context.catalog)
        for model in context.catalog.entries.keys {
            chooser.estimators[model] = try loadEstimator(db: db, provider: context.provider, model: model)
        }
        if candidates.contains(where: { $0.models == [ModelChooser.Policy.fastest.rawValue] }) {
            for row in try Row.fetchAll(db.cachedStatement(sql: AttemptsSQL.recentLatencyByModel), arguments: [now - 3600]) {
                chooser.latencies[row[0]] = row[1]
            }
        }
        for index in candidates.indices {
            let candidate = candidates[index]
            guard candidate.models.count == 1, ModelChooser.Policy.looksLikePolicy(candidate.models[0]) else { continue }
            let chain = ModelChooser.Policy(name: candidate.models[0]).map {
                chooser.chain(policy: $0, promptCharacters: candidate.promptCharacters, maxTokens: candidate.maxTokens, truncate: candidate.truncate)
            } ?? []
            guard let policy = ModelChooser.Policy(name: candidate.models[0]), !chain.isEmpty else {
                let message = ModelChooser.Policy(name: candidate.models[0]) == nil
                    ? "unknown model policy '\(candidate.models[0])'; use auto, auto:cheapest or auto:fastest"
                    : "no model in the catalog has a context window for this prompt and max_tokens (--truncate would shorten it)"
                try db.cachedStatement(sql: JobsSQL.queuedFail).execute(arguments: ["no_model_fits", message, now, now, candidate.id])
                candidates[index].models = []
                failed += 1
                continue
            }
            try db.cachedStatement(sql: JobsSQL.setChosenChain).execute(arguments: [jsonArray(chain), policy.rawValue, now, candidate.id])
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

    /// Jobs queued or running outside the given batches: what a draining worker still waits for when
    /// those batches are paused by their caps.
    public func unfinishedCount(excludingBatches excluded: Set<Int64>) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: JobsSQL.unfinishedExcluding(excluded.count), arguments: StatementArguments(Array(excluded))) ?? 0
        }
    }
}
