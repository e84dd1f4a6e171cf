import Foundation
import GRDB
import Scheduler

/// What one claim knows about shared requests and prefixes: read once per claim, decided per candidate.
struct ClaimSharing {
    /// A prefix on a model: whether the provider has it cached, or a pioneer is warming it.
    struct PrefixState {
        var warm: Bool
        var pioneerRunning: Bool
    }

    /// What a job with a shared prefix may do now.
    enum PrefixGate {
        /// Go: the model does not cache, or the prefix is cached.
        case go
        /// Wait: a job of its group is warming the prefix.
        case hold
        /// Go if it is the first of its cold group that admission admits (the group's key).
        case pioneer(group: String)
    }

    var prefixes: [String: PrefixState] = [:]
    /// Whether each model caches prompts (catalog, or seen caching).
    var caches: [String: Bool] = [:]
    /// Candidates that may go first for a cold prefix, by id, with their group: admission lets the
    /// first of each group it admits go (`Admission.Candidate.coldGroup`), and only that one is recorded.
    var pioneers: [Int64: (model: String, prefix: String)] = [:]
    /// Jobs answered from an identical request's answer in this claim.
    var reused = 0
}

extension BudgetClaim {
    /// Takes out of a page of candidates the jobs that should not be sent now: those an identical
    /// request already answered (they take its answer, here, in the claim's transaction), those whose
    /// identical request earlier in the batch is still to answer (they wait for it), and, when ordering
    /// for the cache, a cold prefix's group while its first job is in flight. A cold group with no job in
    /// flight is kept whole, each job marked with its group: which of them goes first is admission's
    /// choice, since only a job admission sends now can warm the prefix.
    ///
    /// It looks no further than `enough` kept candidates (looking up every candidate of a page cost a
    /// quarter of a claim's time); of a cold group only the first counts, as only one of it can go. When
    /// it stops early it returns the last candidate it examined, where the next page must start, so that
    /// no candidate is skipped.
    mutating func holdShared(
        _ page: [Admission.Candidate], rows: [SQLRow], enough: Int
    ) throws -> (kept: [Admission.Candidate], lastExamined: (priority: Int, id: Int64)?) {
        typealias Column = JobsSQL.CandidateColumn
        var kept: [Admission.Candidate] = []
        kept.reserveCapacity(min(page.count, enough))
        var examined = 0
        var counted = 0
        var coldGroups: Set<String> = []
        for (candidate, row) in zip(page, rows) {
            if counted >= enough {
                let last = rows[examined - 1]
                return (kept, (last[Column.priority.rawValue], last[Column.id.rawValue]))
            }
            examined += 1
            // A job whose `auto` policy found no model failed while choosing: admission passes it by.
            guard candidate.models.indices.contains(candidate.modelIndex) else {
                kept.append(candidate)
                counted += 1
                continue
            }
            let requestKey: String? = row[Column.requestKey.rawValue]
            let reuse: String = row[Column.reuse.rawValue]
            if requestKey != nil, reuse != ReuseScope.off.rawValue {
                let maxAge: Double = row[Column.reuseMaxAge.rawValue] ?? ReuseScope.defaultMaxAge
                if let source = try db.value(Int64.self, SharingSQL.reusableAnswer, [candidate.id, seconds - maxAge]) {
                    try QueueSteps.answerByReuse(jobID: candidate.id, source: source, db: db, now: seconds)
                    sharing.reused += 1
                    continue
                }
                if try db.value(Bool.self, SharingSQL.earlierUnfinished, [candidate.id]) == true { continue }
            }
            var candidate = candidate
            if context.cacheAware, let prefix: String = row[Column.prefixKey.rawValue] {
                switch try prefixGate(candidate, prefix: prefix) {
                case .go: break
                case .hold: continue
                case .pioneer(let group):
                    candidate.coldGroup = group
                    // Admission sends one of the group at most: the others do not count as enough.
                    if !coldGroups.insert(group).inserted {
                        kept.append(candidate)
                        continue
                    }
                }
            }
            kept.append(candidate)
            counted += 1
        }
        return (kept, nil)
    }

    /// Whether a job with a shared prefix may be sent now: always on a model that does not cache, or
    /// when the prefix is cached; never while a job of its group warms it; when it is cold, only as the
    /// first of its group that admission admits, so one call warms the cache for the rest instead of
    /// all paying for it at once.
    private mutating func prefixGate(_ candidate: Admission.Candidate, prefix: String) throws -> ClaimSharing.PrefixGate {
        let model = candidate.models[candidate.modelIndex]
        guard try caches(model) else { return .go }
        let key = model + "\u{0}" + prefix
        let state = try prefixState(key, model: model, prefix: prefix)
        if state.warm { return .go }
        if state.pioneerRunning { return .hold }
        sharing.pioneers[candidate.id] = (model, prefix)
        return .pioneer(group: key)
    }

    private mutating func caches(_ model: String) throws -> Bool {
        if let known = sharing.caches[model] { return known }
        let meterModel = ModelCatalog.meterModel(model).model
        var caching = context.catalog.entries[meterModel]?.promptCaching == true
        if !caching { caching = try QueueSteps.loadEstimator(db: db, provider: context.provider, model: meterModel).seenCaching }
        sharing.caches[model] = caching
        return caching
    }

    private mutating func prefixState(_ key: String, model: String, prefix: String) throws -> ClaimSharing.PrefixState {
        if let known = sharing.prefixes[key] { return known }
        var state = ClaimSharing.PrefixState(warm: false, pioneerRunning: false)
        if let row = try db.row(SharingSQL.prefixState, [seconds, context.provider, model, prefix]) {
            let warmAt: Double? = row[0]
            let pioneer: Int64? = row[1]
            state.warm = warmAt.map { seconds - $0 <= BudgetContext.prefixLifetime } ?? false
            state.pioneerRunning = pioneer != nil
        }
        sharing.prefixes[key] = state
        return state
    }

    /// Records an admitted job that goes first for its cold prefix, until its lease would lapse.
    /// Admission admits at most one job of a cold group on the group's model in a claim.
    func markPioneer(_ admitted: Admission.Admitted, leaseExpires: Double) throws {
        guard let group = sharing.pioneers[admitted.id] else { return }
        let model = candidates[admitted.id]!.models[admitted.modelIndex]
        // Admission may have moved the job to another model of its chain: it warms nothing of its group.
        guard model == group.model else { return }
        try db.send(SharingSQL.setPioneer, [context.provider, model, group.prefix, admitted.id, leaseExpires])
    }
}

extension QueueSteps {
    /// A queued job takes the answer of `source` (the job whose call produced it): a result row marked
    /// `reused_from`, and the job succeeds, in the caller's transaction. Returns whether it did.
    ///
    /// The job was read unlocked: under PostgreSQL's READ COMMITTED a `cancel` or an expiry may have
    /// committed since. So the guarded update goes first (it sees such a change, and from then on holds
    /// the row), and the answer is written only if it moved the job: a cancelled job with a result row
    /// would fail on the primary key once retried.
    @discardableResult
    static func answerByReuse(jobID: Int64, source: Int64, db: any SQLSession, now: Double) throws -> Bool {
        guard try db.execute(SharingSQL.succeedReused, [now, now, jobID]) == 1 else { return false }
        // The source's answer may have gone since it was found (a prune of its batch committed between,
        // under PostgreSQL's READ COMMITTED): then the job is not answered, and goes back to the queue.
        guard try db.execute(SharingSQL.copyAnswer, [source, jobID, now]) == 1 else {
            try db.execute(SharingSQL.unanswerReused, [now, jobID])
            return false
        }
        return true
    }

    /// After a job's outcome: a success warms its prefix and answers the queued jobs with the identical
    /// request; a final failure fails them the same way (sending the same request again would fail the
    /// same). A pioneer that did neither lets its group choose another.
    static func shareOutcome(
        jobID: Int64, keys: (request: String?, prefix: String?), succeededOn model: String?, failure: (code: String, message: String)?,
        provider: String?, db: any SQLSession, now: Double
    ) throws {
        let (requestKey, prefixKey) = keys
        if let prefixKey {
            try db.execute(SharingSQL.endPioneer, [jobID])
            // A pioneer's group may go now (warm, or to choose another): wake idle workers.
            let wasPioneer = db.changesCount > 0
            if let model, let provider {
                try db.send(SharingSQL.markWarm, [provider, model, prefixKey, now])
            }
            if wasPioneer { try db.execute(WorkersSQL.bumpChanges) }
        }
        guard requestKey != nil, model != nil || failure != nil else { return }
        let followers = try db.values(Int64.self, SharingSQL.waitingFollowers, [jobID])
        for follower in followers {
            if model != nil {
                try answerByReuse(jobID: follower, source: jobID, db: db, now: now)
            } else if let failure {
                try db.execute(
                    SharingSQL.failFollower,
                    [
                        failure.code, "the identical request of job \(jobID) failed: \(failure.message)", now, now, follower,
                    ])
            }
        }
    }
}
