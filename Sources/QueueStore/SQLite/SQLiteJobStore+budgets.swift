import Foundation
import GRDB
import Scheduler

extension SQLiteJobStore {
    /// Claims up to `limit` jobs whose cost fits every meter of their model, spending it in the same
    /// `BEGIN IMMEDIATE` transaction: any number of workers on the file share one budget.
    public func claim(
        workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date, budget: BudgetContext
    ) async throws -> ClaimResult {
        try await pool.write { db in
            try Self.claimWithBudget(db: db, workerID: workerID, limit: limit, leaseDuration: leaseDuration, batch: batch, now: now, context: budget)
        }
    }

    static func claimWithBudget(
        db: Database, workerID: String, limit: Int, leaseDuration: TimeInterval, batch: String?, now: Date, context: BudgetContext
    ) throws -> ClaimResult {
        let seconds = now.unixSeconds
        var arguments: StatementArguments = [seconds]
        if let batch { arguments += [batch] }
        arguments += [max(limit * 4, 64)]
        var chains: [String: [String]] = [:]
        let candidates = try Row.fetchAll(db.cachedStatement(sql: JobsSQL.candidates(batchFilter: batch != nil)), arguments: arguments).map { row in
            let json: String = row[1]
            let models = try chains[json] ?? JSONDecoder().decode([String].self, from: Data(json.utf8))
            chains[json] = models
            return Admission.Candidate(
                id: row[0], models: models, modelIndex: row[2], promptCharacters: row[3], maxTokens: row[4],
                fallbackWhenLimited: row[5] as Bool)
        }
        var models = Set<String>()
        for candidate in candidates where candidate.models.indices.contains(candidate.modelIndex) {
            models.formUnion(candidate.fallbackWhenLimited ? candidate.models[candidate.modelIndex...] : [candidate.models[candidate.modelIndex]])
        }
        var budgets: [String: ModelBudget] = [:]
        var meterIDs: [String: [LimitKind: Int64]] = [:]
        var estimators: [String: TokenEstimator] = [:]
        for model in models {
            (budgets[model], meterIDs[model]) = try loadBudget(db: db, provider: context.provider, model: model, catalog: context.catalog, now: seconds)
            estimators[model] = try loadEstimator(db: db, provider: context.provider, model: model)
        }
        var admission = Admission(budgets: budgets, estimators: estimators, catalog: context.catalog)
        let decision = admission.admit(candidates, limit: limit, now: seconds)

        let byID = Dictionary(candidates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var touched = Set<String>()
        var jobs: [ClaimedJob] = []
        let expires = now.addingTimeInterval(leaseDuration).unixSeconds
        for admitted in decision.admitted {
            let candidate = byID[admitted.id]!
            let model = candidate.models[admitted.modelIndex]
            touched.insert(model)
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [admitted.id])
            // Meters without a limit keep no log: nothing would ever read it.
            for (kind, meterID) in meterIDs[model]! where admission.budgets[model]!.meters[kind]?.limit != nil {
                try db.cachedStatement(sql: BudgetsSQL.insertSpend).execute(arguments: [meterID, seconds, admitted.cost.amount(for: kind), admitted.id, 1])
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: JobsSQL.claimAdmitted), arguments: [
                workerID, expires, seconds, admitted.modelIndex, admitted.modelIndex, admitted.id,
            ])
            jobs += try rows.map { try claimedJob($0, chains: &chains) }
        }
        for model in touched {
            for (kind, meter) in admission.budgets[model]!.meters where meter.limit != nil {
                try saveMeter(db: db, id: meterIDs[model]![kind]!, meter: meter, now: seconds)
            }
        }
        for refused in decision.tooLarge {
            let candidate = byID[refused.id]!
            let model = candidate.models[refused.modelIndex]
            let message = "the job needs \(refused.cost) \(refused.kind.countsTokens ? "tokens" : "requests") but \(model) allows \(refused.limit) per \(refused.kind.period == 60 ? "minute" : "day") (\(refused.kind.rawValue.uppercased())); lower max_tokens or use a model with a larger limit"
            if refused.modelIndex + 1 < candidate.models.count {
                try db.cachedStatement(sql: JobsSQL.queuedMoveToModel).execute(arguments: [refused.modelIndex + 1, "request_too_large", message, seconds, refused.id])
            } else {
                try db.cachedStatement(sql: JobsSQL.queuedFail).execute(arguments: ["request_too_large", message, seconds, seconds, refused.id])
            }
        }
        var wake: Double?
        if jobs.count < limit {
            let nextRunnable = try Double.fetchOne(db.cachedStatement(sql: JobsSQL.earliestFutureRunnable), arguments: [seconds])
            wake = [decision.wakeAt, nextRunnable].compactMap { $0 }.min()
        }
        return ClaimResult(
            jobs: jobs.sorted { ($0.priority, -$0.id) > ($1.priority, -$1.id) },
            wakeAt: wake.map(Date.init(timeIntervalSince1970:)), tooLarge: decision.tooLarge.count)
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
            var meter = Meter(
                kind: kind, limit: limit, source: LimitSource(rawValue: row[3]) ?? .fallback, blockedUntil: row[4], pacedUntil: row[5])
            if let limit {
                meter.spends = try windowSpends(db: db, meterID: id, limit: limit, since: now - kind.period)
            }
            meters[kind] = meter
            ids[kind] = id
        }
        return (ModelBudget(model: model, meters: meters), ids)
    }

    /// A meter's spends for admission. Far from its limit (80%), the window is one aggregate spend at
    /// its latest time: exact for whether a cost fits, and only more careful about when the next one
    /// will. Near the limit, the whole log, for the exact instant. A day's log can hold thousands of
    /// rows, and every claim reads every meter of its models.
    static func windowSpends(db: Database, meterID: Int64, limit: Int, since: Double) throws -> [Meter.Spend] {
        guard let total = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.windowTotal), arguments: [meterID, since]) else { return [] }
        let used: Int = total[0]
        guard used > 0, let latest: Double = total[1] else { return [] }
        if used * 5 <= limit * 4 { return [Meter.Spend(at: latest, amount: used)] }
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
    static func observe(_ observation: ProviderObservation, jobID: Int64, db: Database, now: Double) throws {
        if let total = observation.totalTokens {
            // What the reservation held beyond the real usage goes back to the pacing schedule too.
            for row in try Row.fetchAll(db.cachedStatement(sql: BudgetsSQL.openTokenSpends), arguments: [jobID]) {
                let budgetID: Int64 = row[0]
                let reserved: Int = row[1]
                guard reserved > total, let meterRow = try Row.fetchOne(db.cachedStatement(sql: BudgetsSQL.meterByID), arguments: [budgetID]),
                      let kind = LimitKind(rawValue: meterRow[0]) else { continue }
                var meter = Meter(kind: kind, limit: meterRow[1], source: LimitSource(rawValue: meterRow[2]) ?? .fallback, blockedUntil: meterRow[3], pacedUntil: meterRow[4])
                meter.refundPacing(reserved - total, at: now)
                try db.cachedStatement(sql: BudgetsSQL.savePacing).execute(arguments: [meter.pacedUntil, budgetID])
            }
            try db.cachedStatement(sql: BudgetsSQL.settleTokens).execute(arguments: [total, jobID])
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [jobID])
        } else if observation.refused {
            try db.cachedStatement(sql: BudgetsSQL.refundAll).execute(arguments: [jobID])
        } else {
            try db.cachedStatement(sql: BudgetsSQL.closeOpenSpends).execute(arguments: [jobID])
        }
        if let prompt = observation.promptTokens {
            var estimator = try loadEstimator(db: db, provider: observation.provider, model: observation.model)
            estimator.learn(characters: observation.promptCharacters, tokens: prompt)
            try db.cachedStatement(sql: BudgetsSQL.saveEstimator).execute(arguments: [
                observation.provider, observation.model, estimator.characters, estimator.tokens, estimator.samples,
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
            var meter = Meter(kind: kind, limit: row[2], source: LimitSource(rawValue: row[3]) ?? .fallback, blockedUntil: row[4], pacedUntil: row[5], spends: spends)
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
                let meter = Meter(kind: kind, limit: row[4], source: LimitSource(rawValue: row[5]) ?? .fallback, blockedUntil: row[6], pacedUntil: row[7], spends: spends)
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
