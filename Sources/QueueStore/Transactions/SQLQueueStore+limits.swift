import Foundation
import GRDB
import Scheduler

// `groqbatch limits`: the meters as people read them, and limits set or forgotten by hand.
extension SQLQueueStore {
    /// Every meter, for `groqbatch limits`.
    public func meterStatuses(now: Date = Date()) async throws -> [MeterStatus] {
        try await engine.read { db in
            let seconds = now.unixSeconds
            return try db.rows(BudgetsSQL.all).compactMap { row -> MeterStatus? in
                guard var meter = QueueSteps.meter(row) else { return nil }
                let id: Int64 = row["id"]
                meter.spends = try db.rows(BudgetsSQL.spendsInWindow, [id, seconds - meter.kind.period, id]).map {
                    Meter.Spend(at: $0[1], amount: $0[2])
                }
                return MeterStatus(
                    provider: row["provider"], model: row["model"], kind: meter.kind, limit: meter.limit, source: meter.source,
                    standing: MeterStanding(meter), floor: meter.isPaced ? meter.floor ?? 0 : nil, used: meter.used(at: seconds),
                    remaining: meter.remaining(at: seconds),
                    resetsIn: meter.resetIn(at: seconds),
                    blockedUntil: meter.blockedUntil.flatMap { $0 > seconds ? Date(timeIntervalSince1970: $0) : nil })
            }
        }
    }

    /// Sets limits by hand (source `config`); they hold until the provider says otherwise.
    public func setLimits(provider: String, model: String, limits: [LimitKind: Int], now: Date = Date()) async throws {
        try await engine.write { db in
            try db.lockBudgets(provider: provider)
            for (kind, value) in limits {
                try db.execute(BudgetsSQL.setLimit, [provider, model, kind.rawValue, value, now.unixSeconds])
            }
        }
    }

    /// Forgets meters (all, or a model's, or a provider's): they start again from the catalog.
    @discardableResult
    public func resetLimits(provider: String?, model: String?) async throws -> Int {
        try await engine.write { db in
            try db.execute(BudgetsSQL.reset, [model, model, provider, provider])
            return db.changesCount
        }
    }

    /// The estimator per model, for `limits` and the benchmarks.
    public func estimators() async throws -> [(provider: String, model: String, estimator: TokenEstimator)] {
        try await engine.read { db in
            try db.rows(BudgetsSQL.allEstimators).map {
                var estimator = TokenEstimator(
                    characters: $0[2], tokens: $0[3], samples: $0[4], relativeError: $0[5], completionTokens: $0[6], completionSamples: $0[7])
                estimator.cachedTokens = $0[8]
                estimator.cachePromptTokens = $0[9]
                return ($0[0], $0[1], estimator)
            }
        }
    }

    /// Deletes settled spends older than their windows (a day and a minute; two minutes for minute meters),
    /// by the transaction's time when `now` is nil: a host whose clock runs ahead would otherwise delete
    /// buckets other hosts' windows still count.
    public func pruneSpends(now: Date? = nil) async throws {
        try await engine.write { db in
            let now = try now ?? db.transactionTime()
            try db.execute(BudgetsSQL.prune, [now.unixSeconds - 86_400 - 60])
            try db.execute(SharingSQL.forgetStale, [now.unixSeconds - 86_400])
            try db.execute(BudgetsSQL.pruneMinuteMeters, [now.unixSeconds - 120])
        }
    }
}
