import Foundation
import GRDB
import Scheduler

// The GroqQueue's meters in the database: loading, the window's spends, saving; and the provider's
// word: settlement of a claim's reservation, and what responses teach the meters and the estimator.
extension SQLiteJobStore {
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
}
