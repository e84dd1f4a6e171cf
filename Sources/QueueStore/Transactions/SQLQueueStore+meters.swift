import Foundation
import GRDB
import Scheduler

// The GroqQueue's meters in the database: loading, the window's spends, saving; and the provider's
// word: settlement of a claim's reservation, and what responses teach the meters and the estimator.

extension QueueSteps {
    /// A model's four meters with their spends in the window, created from the catalog (when given) if new.
    /// `headroom` is the most a claim may add (its job count, and that many of its largest costs): a
    /// window that could not hold it is loaded bucket by bucket, for admission's exact wait; every other
    /// window is one aggregate (all that is needed to know that a cost fits, or how much is used).
    static func loadBudget(
        db: any SQLSession, provider: String, model: String, catalog: ModelCatalog?, now: Double, headroom: JobCost? = nil,
        spendsOf kinds: Set<LimitKind> = Set(LimitKind.allCases)
    ) throws -> (ModelBudget, [LimitKind: Int64]) {
        var rows = try db.rows(BudgetsSQL.meters, [provider, model])
        if let catalog, rows.count < LimitKind.allCases.count {
            for kind in LimitKind.allCases {
                let start = catalog.startingLimit(model: model, kind: kind)
                let guess: GuessState? = start.source.isConfirmed ? nil : .unchecked
                try db.execute(
                    BudgetsSQL.ensure,
                    [
                        provider, model, kind.rawValue, start.limit, start.source.rawValue, guess?.rawValue, guess == nil ? nil : start.limit, now,
                    ])
            }
            rows = try db.rows(BudgetsSQL.meters, [provider, model])
        }
        var meters: [LimitKind: Meter] = [:]
        var ids: [LimitKind: Int64] = [:]
        var heardAt: Double?
        for row in rows {
            guard var meter = meter(row) else { continue }
            let id: Int64 = row["id"]
            if let limit = meter.limit, kinds.contains(meter.kind) {
                meter.spends = try windowSpends(
                    db: db, meterID: id, limit: limit, since: now - meter.kind.period, headroom: headroom?.amount(for: meter.kind))
            }
            meters[meter.kind] = meter
            ids[meter.kind] = id
            heardAt = [heardAt, row["heard_at"] as Double?].compactMap { $0 }.max()
        }
        var budget = ModelBudget(model: model, meters: meters, heardAt: heardAt)
        if heardAt == nil, !ids.isEmpty {
            let meterIDs = Array(ids.values)
            budget.inFlight =
                try db.value(Int.self, BudgetsSQL.inFlight(meters: meterIDs.count), SQLArguments(meterIDs)) ?? 0
        }
        return (budget, ids)
    }

    /// A meter from its `budgets` row (read by column name), without spends.
    static func meter(_ row: SQLRow) -> Meter? {
        guard let kind = LimitKind(rawValue: row["kind"]) else { return nil }
        let guess: String? = row["guess"]
        return Meter(
            kind: kind, limit: row["limit_value"], source: LimitSource(rawValue: row["source"]) ?? .fallback,
            guess: guess.flatMap(GuessState.init(rawValue:)), floor: row["floor_value"], raisedAt: row["raised_at"],
            blockedUntil: row["blocked_until"], pacedUntil: row["paced_until"])
    }

    /// A meter's spends. When the window could hold `headroom` more (or none is given), one aggregate
    /// spend at its latest time: exact for whether a cost fits, and only more careful about when the
    /// next one will. Otherwise bucket by bucket, for the exact instant. Buckets keep that to at most 60
    /// or 288 rows (and the calls in flight) however many calls the window counts.
    static func windowSpends(db: any SQLSession, meterID: Int64, limit: Int, since: Double, headroom: Int? = nil) throws -> [Meter.Spend] {
        guard let settled = try db.row(BudgetsSQL.windowTotal, [meterID, since]),
            let open = try db.row(BudgetsSQL.openTotal, [meterID])
        else { return [] }
        let used = (settled[0] as Int) + (open[0] as Int)
        guard used > 0, let latest = [settled[1] as Double?, open[1] as Double?].compactMap({ $0 }).max() else { return [] }
        // In doubles: a provider's limit can be near Int.max ("no limit"), where `limit * 4` would trap.
        // Id 0 marks the aggregate as stored already (row ids start at 1), so saving never inserts it again.
        guard let headroom, Double(used) + Double(headroom) > Double(limit) else { return [Meter.Spend(at: latest, amount: used, id: 0)] }
        return try db.rows(BudgetsSQL.spendsInWindow, [meterID, since, meterID]).map {
            Meter.Spend(at: $0[1], amount: $0[2], id: $0[0])
        }
    }

    /// The end of the bucket a settled spend at `at` goes to: the next whole second for minute meters,
    /// the next whole five minutes for day meters. Stamped at the end, a spend leaves its window no
    /// earlier than it would have; a day's limit frees at most five minutes late, and its window sums
    /// 288 rows (a day of minutes would make every claim at a million calls a day half again as slow).
    static func bucketEnd(_ at: Double, kind: LimitKind) -> Double {
        let width: Double = kind.period <= 60 ? 1 : 300
        return (at / width).rounded(.up) * width
    }

    /// Writes a meter's limit and state. With `insertingCorrections`, the spends it gained without a row
    /// (the provider's corrections) go to their buckets too; admission inserts its own spends with their job.
    static func saveMeter(db: any SQLSession, id: Int64, meter: Meter, now: Double, insertingCorrections: Bool = false) throws {
        try db.send(
            BudgetsSQL.saveMeter,
            [
                meter.limit, meter.source.rawValue, meter.guess?.rawValue, meter.floor, meter.raisedAt, meter.blockedUntil,
                meter.pacedUntil, now, id,
            ])
        guard insertingCorrections else { return }
        for spend in meter.spends where spend.id == nil && spend.amount > 0 && spend.at > now - 2 * meter.period {
            try db.send(BudgetsSQL.addToBucket, [id, bucketEnd(spend.at, kind: meter.kind), spend.amount])
        }
    }

    static func loadEstimator(db: any SQLSession, provider: String, model: String) throws -> TokenEstimator {
        guard let row = try db.row(BudgetsSQL.estimator, [provider, model]) else {
            return TokenEstimator()
        }
        var estimator = TokenEstimator(
            characters: row[0], tokens: row[1], samples: row[2], relativeError: row[3], completionTokens: row[4], completionSamples: row[5])
        estimator.cachedTokens = row[6]
        estimator.cachePromptTokens = row[7]
        return estimator
    }

    /// Applies what a response said: limits and the estimator always (they are the provider's truth,
    /// whoever asked), and, when `settle` (the call's claim is still the job's), the settlement of the
    /// claim's reservation: caps, refunds and the spends' real size.
    static func observe(_ observation: ProviderObservation, jobID: Int64, db: any SQLSession, now: Double, settle: Bool = true) throws {
        if settle {
            try settleSpends(observation, jobID: jobID, db: db, now: now)
        }
        try learn(observation, db: db, now: now)
    }

    /// Settles one claim's reservation with the real usage, or refunds it after a refusal. When the usage
    /// is unknown (a timeout, a 5xx, a reset after sending) the provider may have served the call in full:
    /// the caps keep the reservation, as the meters do.
    static func settleSpends(_ observation: ProviderObservation, jobID: Int64, db: any SQLSession, now: Double) throws {
        if observation.refused {
            try settleCaps(jobID: jobID, tokens: 0, cost: 0, db: db, now: now)
        } else {
            // An answer without a price (the catalog has none) keeps the reserved cost: unknown, not free.
            try settleCaps(jobID: jobID, tokens: observation.totalTokens, cost: observation.actualCost, db: db, now: now)
        }
        // Cached prompt tokens are given back after processing, as the provider does.
        let tokens: Int?? = observation.refused ? .some(nil) : (observation.meteredTokens.map { .some($0) } ?? nil)
        try closeOpenSpends(jobID: jobID, settledTokens: tokens, db: db, now: now)
    }

    /// Moves a job's open reservations into the buckets of `now` (the provider counted the request
    /// between the claim and the answer, so the answer's time is the safe one to expire from).
    /// `settledTokens`: nil keeps every amount (no answer, or a lost claim); `.some(nil)` refunds all of it
    /// (the provider refused the call); `.some(n)` settles tokens to what the call used, requests as
    /// they were. What a reservation held beyond what was used goes back to the pacing schedule.
    static func closeOpenSpends(jobID: Int64, settledTokens: Int??, db: any SQLSession, now: Double) throws {
        for row in try db.rows(BudgetsSQL.openSpends, [jobID]) {
            guard var meter = meter(row) else { continue }
            let spendID: Int64 = row["id"]
            let budgetID: Int64 = row["budget_id"]
            let reserved: Int = row["amount"]
            let at: Double = row["at"]
            var used = reserved
            if let settled = settledTokens {
                used = settled.map { meter.kind.countsTokens ? $0 : reserved } ?? 0
            }
            try db.send(BudgetsSQL.deleteSpend, [spendID])
            if used > 0 {
                try db.send(BudgetsSQL.addToBucket, [budgetID, bucketEnd(max(at, now), kind: meter.kind), used])
            }
            if reserved > used, meter.isPaced {
                meter.refundPacing(reserved - used, at: now)
                try db.send(BudgetsSQL.savePacing, [meter.pacedUntil, budgetID])
            }
        }
    }

    /// What a response teaches whoever made the call: tokens per character, the completions of jobs
    /// without max_tokens, and limits from headers and 429 bodies (or their absence).
    static func learn(_ observation: ProviderObservation, db: any SQLSession, now: Double) throws {
        if let prompt = observation.promptTokens {
            // Tokens per character are the model's, whichever tier served it.
            let model = ModelCatalog.meterModel(observation.model).model
            var estimator = try loadEstimator(db: db, provider: observation.provider, model: model)
            estimator.learn(characters: observation.promptCharacters, tokens: prompt)
            if observation.maxTokensUnset, let completion = observation.completionTokens {
                estimator.learnCompletion(tokens: completion)
            }
            if let cached = observation.cachedTokens { estimator.learnCache(cached: cached, prompt: prompt) }
            try db.send(
                BudgetsSQL.saveEstimator,
                [
                    observation.provider, model, estimator.characters, estimator.tokens, estimator.samples,
                    estimator.relativeError, estimator.completionTokens, estimator.completionSamples, now,
                    estimator.cachedTokens, estimator.cachePromptTokens,
                ])
        }
        guard observation.fromResponse, !observation.model.isEmpty else { return }
        // Aggregated windows: the provider's word needs how much is used, not when each spend leaves.
        // Only the windows the provider's word corrects: the headers' and the 429's.
        var corrected = Set<LimitKind>()
        if !observation.tokensPerMinute.isEmpty { corrected.insert(.tpm) }
        if !observation.requestsPerDay.isEmpty { corrected.insert(.rpd) }
        if let limit = observation.rateLimit { corrected.insert(limit.kind) }
        let (before, ids) = try loadBudget(
            db: db, provider: observation.provider, model: observation.model, catalog: nil, now: now, spendsOf: corrected)
        guard !ids.isEmpty else { return }
        var after = before
        after.apply(observation, at: now)
        for (kind, meter) in after.meters where meter != before.meters[kind] {
            try saveMeter(db: db, id: ids[kind]!, meter: meter, now: now, insertingCorrections: true)
        }
        // The first answer ends the scout's wait; later ones need no write.
        if before.heardAt == nil {
            try db.send(BudgetsSQL.markHeard, [now, observation.provider, observation.model])
        }
    }

    /// Replaces a job's reservation against its batch's and the day's caps with what it really used
    /// (nothing, when the provider certainly did not process the call). A nil usage is unknown: the
    /// reservation stays spent.
    static func settleCaps(jobID: Int64, tokens knownTokens: Int?, cost knownCost: Double?, db: any SQLSession, now: Double) throws {
        guard let row = try db.row(BudgetsSQL.jobReservation, [jobID]) else { return }
        let batchID: Int64 = row[0]
        let reservedTokens: Int = row[1]
        let reservedCost: Double = row[2]
        let tokens = knownTokens ?? reservedTokens
        let cost = knownCost ?? reservedCost
        guard reservedTokens != 0 || reservedCost != 0 || tokens != 0 else { return }
        try db.send(BudgetsSQL.reserveBatch, [tokens - reservedTokens, cost - reservedCost, batchID])
        // The difference corrects the day the reservation was booked on, which may be yesterday for a
        // job in flight at midnight; without a reservation, the usage is today's.
        let reservedAt: Double? = row[3]
        try db.send(
            BudgetsSQL.reserveDay,
            [
                utcDay(Date(timeIntervalSince1970: reservedAt ?? now)), tokens - reservedTokens, cost - reservedCost,
            ])
        try db.send(BudgetsSQL.clearReservation, [jobID])
        // What was given back may let the batch's next job fit: it waits no more until a claim or the
        // Batch API packer looks again (so a draining worker does not leave it as capped meanwhile).
        if tokens < reservedTokens || cost < reservedCost { try db.send(BudgetsSQL.resumeBatch, [batchID]) }
    }
}
