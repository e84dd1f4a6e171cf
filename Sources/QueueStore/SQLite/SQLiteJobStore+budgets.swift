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
        var arguments: StatementArguments = [seconds]
        if let batch { arguments += [batch] }
        arguments += [max(limit.multipliedReportingOverflow(by: 4).overflow ? Int.max : limit * 4, 64)]
        var chains: [String: [String]] = [:]
        var batchCaps: [Int64: SpendingCap] = [:]
        var candidates = try Row.fetchAll(db.cachedStatement(sql: JobsSQL.candidates(batchFilter: batch != nil)), arguments: arguments).map { row in
            let json: String = row[1]
            let models = try chains[json] ?? JSONDecoder().decode([String].self, from: Data(json.utf8))
            chains[json] = models
            let batchID: Int64 = row[6]
            let cap = SpendingCap(maxTokens: row[7], maxCost: row[8], spentTokens: row[9], spentCost: row[10])
            if !cap.isUnlimited { batchCaps[batchID] = cap }
            return Admission.Candidate(
                id: row[0], models: models, modelIndex: row[2], promptCharacters: row[3], maxTokens: row[4],
                fallbackWhenLimited: row[5] as Bool, batchID: batchID, truncate: row[11] as Bool, serviceTier: row[12])
        }
        var failedWithoutCall = 0
        if candidates.contains(where: { $0.models.count == 1 && ModelChooser.Policy.looksLikePolicy($0.models[0]) }) {
            failedWithoutCall += try chooseModels(&candidates, db: db, context: context, now: seconds)
        }
        let today = utcDay(now)
        var dayCap = SpendingCap(maxTokens: context.dailyTokenCap, maxCost: context.dailyCostCap)
        if !dayCap.isUnlimited, let row = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.day), arguments: [today]) {
            dayCap.spentTokens = row[0]
            dayCap.spentCost = row[1]
        }
        // Meters by the key jobs spend on (a model, or its flex meters); estimators by model.
        var models = Set<String>()
        var estimated = Set<String>()
        for candidate in candidates where candidate.models.indices.contains(candidate.modelIndex) {
            let chain = candidate.fallbackWhenLimited ? Array(candidate.models[candidate.modelIndex...]) : [candidate.models[candidate.modelIndex]]
            models.formUnion(chain.map { Admission.meterKey(serviceTier: candidate.serviceTier, model: $0) })
            estimated.formUnion(chain)
        }
        var budgets: [String: ModelBudget] = [:]
        var meterIDs: [String: [LimitKind: Int64]] = [:]
        var estimators: [String: TokenEstimator] = [:]
        for model in models {
            (budgets[model], meterIDs[model]) = try loadBudget(db: db, provider: context.provider, model: model, catalog: context.catalog, now: seconds)
        }
        for model in estimated {
            estimators[model] = try loadEstimator(db: db, provider: context.provider, model: model)
        }
        var admission = Admission(budgets: budgets, estimators: estimators, catalog: context.catalog, batchCaps: batchCaps, dayCap: dayCap)
        let decision = admission.admit(candidates, limit: limit, now: seconds)

        let byID = Dictionary(candidates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var touched = Set<String>()
        var jobs: [ClaimedJob] = []
        let expires = now.addingTimeInterval(leaseDuration).unixSeconds
        let claimToken = newClaimToken()
        for admitted in decision.admitted {
            let model = admitted.meterKey
            touched.insert(model)
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [seconds, admitted.id])
            // Meters without a limit keep no log: nothing would ever read it.
            for (kind, meterID) in meterIDs[model]! where admission.budgets[model]!.meters[kind]?.limit != nil {
                try db.cachedStatement(sql: BudgetsSQL.insertSpend).execute(arguments: [meterID, seconds, admitted.cost.amount(for: kind), admitted.id, 1])
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: JobsSQL.claimAdmitted), arguments: [
                workerID, expires, seconds, admitted.modelIndex, admitted.modelIndex, admitted.cost.tokens, admitted.cost.cost, claimToken, admitted.id,
            ])
            try db.cachedStatement(sql: BudgetsSQL.reserveBatch).execute(arguments: [admitted.cost.tokens, admitted.cost.cost, admitted.batchID])
            try db.cachedStatement(sql: BudgetsSQL.resumeBatch).execute(arguments: [admitted.batchID])
            try db.cachedStatement(sql: BudgetsSQL.reserveDay).execute(arguments: [today, admitted.cost.tokens, admitted.cost.cost])
            jobs += try rows.map { row in
                var job = try claimedJob(row, chains: &chains)
                if let estimator = estimators[byID[admitted.id]!.models[admitted.modelIndex]] {
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

    // MARK: - Meters

    /// A model's four meters with their spends in the window, created from the catalog when new.
    static func loadBudget(db: Database, provider: String, model: String, catalog: ModelCatalog, now: Double) throws -> (ModelBudget, [LimitKind: Int64]) {
        var rows = try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.meters), arguments: [provider, model])
        if rows.count < LimitKind.allCases.count {
            for kind in LimitKind.allCases {
                let start = catalog.startingLimit(model: model, kind: kind)
                try db.cachedStatement(sql: BudgetsSQL.ensure).execute(arguments: [provider, model, kind.rawValue, start.limit, start.source.rawValue, now])
            }
            rows = try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.meters), arguments: [provider, model])
        }
        var meters: [LimitKind: Meter] = [:]
        var ids: [LimitKind: Int64] = [:]
        for row in rows {
            guard let kind = LimitKind(rawValue: row[1]) else { continue }
            let id: Int64 = row[0]
            let limit: Int? = row[2]
            var meter = meter(kind: kind, limit: limit, source: row[3], blockedUntil: row[4], pacedUntil: row[5])
            if let limit {
                meter.spends = try windowSpends(db: db, meterID: id, limit: limit, since: now - kind.period)
            }
            meters[kind] = meter
            ids[kind] = id
        }
        return (ModelBudget(model: model, meters: meters), ids)
    }

    /// A meter from the columns of its `budgets` row.
    static func meter(kind: LimitKind, limit: Int?, source: String, blockedUntil: Double?, pacedUntil: Double, spends: [Meter.Spend] = []) -> Meter {
        Meter(kind: kind, limit: limit, source: LimitSource(rawValue: source) ?? .fallback, blockedUntil: blockedUntil, pacedUntil: pacedUntil, spends: spends)
    }

    /// A meter's spends for admission. Far from its limit (80%), the window is one aggregate spend at
    /// its latest time: exact for whether a cost fits, and only more careful about when the next one
    /// will. Near the limit, the whole log, for the exact instant. A day's log can hold thousands of
    /// rows, and every claim reads every meter of its models.
    static func windowSpends(db: Database, meterID: Int64, limit: Int, since: Double) throws -> [Meter.Spend] {
        guard let total = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.windowTotal), arguments: [meterID, since]) else { return [] }
        let used: Int = total[0]
        guard used > 0, let latest: Double = total[1] else { return [] }
        // In doubles: a provider's limit can be near Int.max ("no limit"), where `limit * 4` would trap.
        if Double(used) <= Double(limit) * 0.8 { return [Meter.Spend(at: latest, amount: used)] }
        return try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.spendsInWindow), arguments: [meterID, since]).map {
            Meter.Spend(at: $0[1], amount: $0[2], id: $0[0])
        }
    }

    /// Writes a meter's limit and state. With `insertingCorrections`, the spends it gained without a row
    /// (the provider's corrections) are inserted too; admission inserts its own spends with their job.
    static func saveMeter(db: Database, id: Int64, meter: Meter, now: Double, insertingCorrections: Bool = false) throws {
        try db.cachedStatement(sql: BudgetsSQL.saveMeter).execute(arguments: [
            meter.limit, meter.source.rawValue, meter.blockedUntil, meter.pacedUntil, now, id,
        ])
        guard insertingCorrections else { return }
        for spend in meter.spends where spend.id == nil && spend.amount > 0 {
            try db.cachedStatement(sql: BudgetsSQL.insertSpend).execute(arguments: [id, spend.at, spend.amount, nil, 0])
        }
    }

    static func loadEstimator(db: Database, provider: String, model: String) throws -> TokenEstimator {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.estimator), arguments: [provider, model]) else {
            return TokenEstimator()
        }
        return TokenEstimator(characters: row[0], tokens: row[1], samples: row[2], relativeError: row[3])
    }

    // MARK: - The provider's word

    /// Settles the job's reservation and applies what the response said, inside `record`'s transaction.
    /// Applies what a response said: limits and the estimator always (they are the provider's truth,
    /// whoever asked), and, when `settle` (the call's claim is still the job's), the settlement of the
    /// claim's reservation: caps, refunds and the spends' real size.
    static func observe(_ observation: ProviderObservation, jobID: Int64, db: Database, now: Double, settle: Bool = true) throws {
        if settle {
            try settleSpends(observation, jobID: jobID, db: db, now: now)
        }
        try learn(observation, db: db, now: now)
    }

    /// Settles one claim's reservation with the real usage, or refunds it after a refusal.
    static func settleSpends(_ observation: ProviderObservation, jobID: Int64, db: Database, now: Double) throws {
        try settleCaps(jobID: jobID, tokens: observation.totalTokens ?? 0, cost: observation.actualCost ?? 0, db: db, now: now)
        // What a reservation held beyond what was used goes back to the pacing schedule, on success
        // (the unused output) and on refusal (all of it).
        if observation.totalTokens != nil || observation.refused {
            for row in try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.openSpends), arguments: [jobID]) {
                let budgetID: Int64 = row[0]
                let reserved: Int = row[1]
                guard let kind = LimitKind(rawValue: row[2]) else { continue }
                let used = observation.refused ? 0 : (kind.countsTokens ? observation.totalTokens ?? reserved : reserved)
                guard reserved > used, let meterRow = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.meterByID), arguments: [budgetID]) else { continue }
                var meter = meter(kind: kind, limit: meterRow[1], source: meterRow[2], blockedUntil: meterRow[3], pacedUntil: meterRow[4])
                meter.refundPacing(reserved - used, at: now)
                try db.cachedStatement(sql: BudgetsSQL.savePacing).execute(arguments: [meter.pacedUntil, budgetID])
            }
        }
        if let total = observation.totalTokens {
            try db.cachedStatement(sql: BudgetsSQL.settleTokens).execute(arguments: [total, now, jobID])
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [now, jobID])
        } else if observation.refused {
            try db.cachedStatement(sql: BudgetsSQL.refundAll).execute(arguments: [jobID])
        } else {
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [now, jobID])
        }
    }

    /// What a response teaches whoever made the call: tokens per character, and limits from headers and
    /// 429 bodies.
    static func learn(_ observation: ProviderObservation, db: Database, now: Double) throws {
        if let prompt = observation.promptTokens {
            // Tokens per character are the model's, whichever tier served it.
            let model = observation.model.hasSuffix("@flex") ? String(observation.model.dropLast("@flex".count)) : observation.model
            var estimator = try loadEstimator(db: db, provider: observation.provider, model: model)
            estimator.learn(characters: observation.promptCharacters, tokens: prompt)
            try db.cachedStatement(sql: BudgetsSQL.saveEstimator).execute(arguments: [
                observation.provider, model, estimator.characters, estimator.tokens, estimator.samples,
                estimator.relativeError, now,
            ])
        }
        guard !observation.tokensPerMinute.isEmpty || !observation.requestsPerDay.isEmpty || observation.rateLimit != nil else { return }
        let rows = try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.meters), arguments: [observation.provider, observation.model])
        for row in rows {
            guard let kind = LimitKind(rawValue: row[1]) else { continue }
            let id: Int64 = row[0]
            let spends = try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.spendsInWindow), arguments: [id, now - kind.period]).map {
                Meter.Spend(at: $0[1], amount: $0[2], id: $0[0])
            }
            var meter = meter(kind: kind, limit: row[2], source: row[3], blockedUntil: row[4], pacedUntil: row[5], spends: spends)
            let before = meter
            switch kind {
            case .tpm where !observation.tokensPerMinute.isEmpty:
                let reading = observation.tokensPerMinute
                meter.applyHeaders(limit: reading.limit, remaining: reading.remaining, resetIn: reading.resetIn, at: now)
            case .rpd where !observation.requestsPerDay.isEmpty:
                let reading = observation.requestsPerDay
                meter.applyHeaders(limit: reading.limit, remaining: reading.remaining, resetIn: reading.resetIn, at: now)
            default:
                break
            }
            if let limit = observation.rateLimit, limit.kind == kind {
                meter.applyRateLimit(limit: limit.limit, used: limit.used, retryAfter: limit.retryAfter, at: now)
            }
            if meter != before { try saveMeter(db: db, id: id, meter: meter, now: now, insertingCorrections: true) }
        }
    }

    /// Replaces a job's reservation against its batch's and the day's caps with what it really used
    /// (nothing, when the call failed).
    static func settleCaps(jobID: Int64, tokens: Int, cost: Double, db: Database, now: Double) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.jobReservation), arguments: [jobID]) else { return }
        let batchID: Int64 = row[0]
        let reservedTokens: Int = row[1]
        let reservedCost: Double = row[2]
        guard reservedTokens != 0 || reservedCost != 0 || tokens != 0 else { return }
        try db.cachedStatement(sql: BudgetsSQL.reserveBatch).execute(arguments: [tokens - reservedTokens, cost - reservedCost, batchID])
        try db.cachedStatement(sql: BudgetsSQL.reserveDay).execute(arguments: [utcDay(Date(timeIntervalSince1970: now)), tokens - reservedTokens, cost - reservedCost])
        try db.cachedStatement(sql: BudgetsSQL.clearReservation).execute(arguments: [jobID])
    }

    // MARK: - groqbatch limits

    /// Every meter, for `groqbatch limits`.
    public func meterStatuses(now: Date = Date()) throws -> [MeterStatus] {
        try pool.read { db in
            let seconds = now.unixSeconds
            return try Row.fetchAll(db, sql: BudgetsSQL.all).compactMap { row -> MeterStatus? in
                guard let kind = LimitKind(rawValue: row[3]) else { return nil }
                let spends = try Row.fetchAll(db, sql: BudgetsSQL.spendsInWindow, arguments: [row[0] as Int64, seconds - kind.period]).map {
                    Meter.Spend(at: $0[1], amount: $0[2])
                }
                let meter = Self.meter(kind: kind, limit: row[4], source: row[5], blockedUntil: row[6], pacedUntil: row[7], spends: spends)
                let blocked: Double? = row[6]
                return MeterStatus(
                    provider: row[1], model: row[2], kind: kind.rawValue, limit: meter.limit, source: meter.source.rawValue,
                    used: meter.used(at: seconds), remaining: meter.remaining(at: seconds), resetsIn: meter.resetIn(at: seconds),
                    blockedUntil: blocked.flatMap { $0 > seconds ? Date(timeIntervalSince1970: $0) : nil })
            }
        }
    }

    /// Sets limits by hand (source `config`); they hold until the provider says otherwise.
    public func setLimits(provider: String, model: String, limits: [LimitKind: Int], now: Date = Date()) throws {
        try pool.write { db in
            for (kind, value) in limits {
                try db.execute(sql: BudgetsSQL.setLimit, arguments: [provider, model, kind.rawValue, value, now.unixSeconds])
            }
        }
    }

    /// Forgets meters (all, or a model's, or a provider's): they start again from the catalog.
    @discardableResult
    public func resetLimits(provider: String?, model: String?) throws -> Int {
        try pool.write { db in
            try db.execute(sql: BudgetsSQL.reset, arguments: [model, model, provider, provider])
            return db.changesCount
        }
    }

    /// The estimator per model, for `limits` and the benchmarks.
    public func estimators() throws -> [(provider: String, model: String, estimator: TokenEstimator)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: BudgetsSQL.allEstimators).map {
                ($0[0], $0[1], TokenEstimator(characters: $0[2], tokens: $0[3], samples: $0[4], relativeError: $0[5]))
            }
        }
    }

    /// Deletes settled spends older than any window (a day and a minute).
    public func pruneSpends(now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: BudgetsSQL.prune, arguments: [now.unixSeconds - 86_400 - 60])
        }
    }
}
