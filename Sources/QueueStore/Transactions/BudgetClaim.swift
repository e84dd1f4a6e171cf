import Foundation
import GRDB
import Scheduler

/// One claim under the budgets, inside its write transaction, as a value with small steps: admit from
/// the queue page by page, take the admitted jobs (spends, leases, reservations), save the meters, pause
/// capped batches, move or fail the jobs that can never run, and say when to look again.
struct BudgetClaim {
    let db: any SQLSession
    let context: BudgetContext
    let batch: String?
    let seconds: Double
    let today: String
    var admission: Admission
    var round = Admission.Round()
    /// Every candidate seen, by id: the admitted and the refused are looked up here.
    var candidates: [Int64: Admission.Candidate] = [:]
    var meterIDs: [String: [LimitKind: Int64]] = [:]
    /// Decoded model chains, shared by the rows that repeat them.
    var chains: [String: [String]] = [:]
    /// Jobs whose `auto` policy found no model that fits: failed while choosing.
    var failedChoosingModels = 0
    /// Meters whose state changed in this claim: saved at the end.
    var touched: Set<String> = []
    /// Answer reuse and cache-aware ordering within this claim (`BudgetClaim+sharing`).
    var sharing = ClaimSharing()

    init(db: any SQLSession, context: BudgetContext, batch: String?, now: Date) throws {
        self.db = db
        self.context = context
        self.batch = batch
        seconds = now.unixSeconds
        today = QueueSteps.utcDay(now)
        var dayCap = SpendingCap(maxTokens: context.dailyTokenCap, maxCost: context.dailyCostCap)
        if !dayCap.isUnlimited, let row = try db.row(BudgetsSQL.day, [today]) {
            dayCap.spentTokens = row[0]
            dayCap.spentCost = row[1]
        }
        admission = Admission(budgets: [:], estimators: [:], catalog: context.catalog, batchCaps: [:], dayCap: dayCap)
    }

    /// Admission sees the whole runnable queue, page by page, until it has admitted enough: a paused
    /// batch, a model blocked for the day or a first job that does not fit never hides the jobs of
    /// other batches and models behind it.
    mutating func admitFromQueue(limit: Int) throws -> Admission.Decision {
        var after: (priority: Int, id: Int64)?
        let pageSize = max(min(limit.multipliedReportingOverflow(by: 4).overflow ? Int.max : limit * 4, 512), 64)
        while !round.isComplete(limit: limit) {
            var rows: [SQLRow]
            if let after {
                rows = try fetch(.samePriority, [after.priority, after.id], count: pageSize)
                if rows.count < pageSize { rows += try fetch(.lowerPriority, [after.priority], count: pageSize - rows.count) }
            } else {
                rows = try fetch(.head, [], count: pageSize)
            }
            var page = try rows.map { try QueueSteps.candidate($0, chains: &chains, caps: &admission.batchCaps) }
            if let last = rows.last { after = (last[JobsSQL.CandidateColumn.priority.rawValue], last[JobsSQL.CandidateColumn.id.rawValue]) }
            if page.contains(where: { $0.models.count == 1 && ModelChooser.Policy.looksLikePolicy($0.models[0]) }) {
                failedChoosingModels += try QueueSteps.chooseModels(&page, db: db, context: context, now: seconds)
            }
            let shared = try holdShared(page, rows: rows, enough: limit - round.decision.admitted.count)
            page = shared.kept
            // Rows left unexamined are where the next page starts, so none is skipped.
            if let last = shared.lastExamined { after = last }
            try loadBudgets(for: page, limit: limit)
            admission.admit(page, limit: limit, now: seconds, round: &round)
            for candidate in page where candidates[candidate.id] == nil { candidates[candidate.id] = candidate }
            if rows.count < pageSize && shared.lastExamined == nil { break }
        }
        touched = round.raised
        return round.decision
    }

    private func fetch(_ page: JobsSQL.CandidatePage, _ start: SQLArguments, count: Int) throws -> [SQLRow] {
        var arguments: SQLArguments = [seconds]
        if let batch { arguments += [batch] }
        arguments += start
        arguments += [count]
        return try db.rows(JobsSQL.candidates(batchFilter: batch != nil, page: page, dialect: db.dialect), arguments)
    }

    /// The meters of the page's models, read once per claim, each window sized by what could be admitted.
    private mutating func loadBudgets(for page: [Admission.Candidate], limit: Int) throws {
        for (key, headroom) in try QueueSteps.headrooms(page, limit: limit, admission: &admission, db: db, provider: context.provider)
        where admission.budgets[key] == nil {
            (admission.budgets[key], meterIDs[key]) = try QueueSteps.loadBudget(
                db: db, provider: context.provider, model: key, catalog: context.catalog, now: seconds, headroom: headroom)
        }
    }

    /// Spends, leases and reserves for each admitted job, and returns them claimed.
    mutating func take(_ admitted: [Admission.Admitted], workerID: String, leaseDuration: TimeInterval) throws -> [ClaimedJob] {
        var jobs: [ClaimedJob] = []
        let expires = seconds + leaseDuration
        let claimToken = QueueSteps.newClaimToken()
        for admitted in admitted {
            let model = admitted.meterKey
            touched.insert(model)
            // A reservation left open by an earlier claim of the job (its lease lapsed) keeps counting, settled as it was.
            try QueueSteps.closeOpenSpends(jobID: admitted.id, settledTokens: nil, db: db, now: seconds)
            // Meters without a limit keep no log: nothing would ever read it.
            for (kind, meterID) in meterIDs[model]! where admission.budgets[model]!.meters[kind]?.limit != nil {
                try db.send(BudgetsSQL.insertOpenSpend, [meterID, seconds, admitted.cost.amount(for: kind), admitted.id])
            }
            let rows = try db.rows(
                JobsSQL.claimAdmitted,
                [
                    workerID, expires, seconds, admitted.modelIndex, admitted.modelIndex, admitted.cost.tokens, admitted.cost.cost, seconds,
                    claimToken, admitted.id,
                ])
            try db.send(BudgetsSQL.reserveBatch, [admitted.cost.tokens, admitted.cost.cost, admitted.batchID])
            try db.send(BudgetsSQL.resumeBatch, [admitted.batchID])
            try db.send(BudgetsSQL.reserveDay, [today, admitted.cost.tokens, admitted.cost.cost])
            try markPioneer(admitted, leaseExpires: expires)
            for row in rows {
                var job = try QueueSteps.claimedJob(row, chains: &chains)
                if let estimator = admission.estimators[candidates[admitted.id]!.models[admitted.modelIndex]] {
                    job.tokensPerCharacter = estimator.ratio * (1 + estimator.margin)
                }
                jobs.append(job)
            }
        }
        return jobs
    }

    /// Writes back every meter this claim changed.
    func saveMeters() throws {
        for model in touched {
            for (kind, meter) in admission.budgets[model]!.meters where meter.limit != nil {
                try QueueSteps.saveMeter(db: db, id: meterIDs[model]![kind]!, meter: meter, now: seconds)
            }
        }
    }

    /// Batches whose cap stops their next job wait, with the reason for `status`.
    func pause(_ paused: [Int64: JobCost]) throws {
        for (batchID, cost) in paused {
            let reason = admission.batchCaps[batchID]?.reason(for: cost) ?? "cap reached"
            try db.execute(BudgetsSQL.pauseBatch, [reason, batchID])
        }
    }

    /// Jobs their model can never take move to the next model of their chain, or fail, without a call.
    func refuse(_ decision: Admission.Decision) throws -> (moved: Int, failed: Int) {
        var moved = 0
        var failed = 0
        let refusals =
            decision.unusable.map { ($0.id, $0.modelIndex, $0.code, $0.message) }
            + decision.tooLarge.map { refused in
                let model = candidates[refused.id]!.models[refused.modelIndex]
                return (refused.id, refused.modelIndex, "request_too_large", refused.advice(model: model))
            }
        for (id, modelIndex, code, message) in refusals {
            if modelIndex + 1 < candidates[id]!.models.count {
                moved += 1
                try db.execute(JobsSQL.queuedMoveToModel, [modelIndex + 1, code, message, seconds, id])
            } else {
                failed += 1
                try db.execute(JobsSQL.queuedFail, [code, message, seconds, seconds, id])
            }
        }
        return (moved, failed)
    }

    /// When to look again: the first waiting job fits, a queued job becomes runnable, the day turns
    /// (the day's cap), or at once when a job moved to its next model.
    func wake(_ decision: Admission.Decision, movedWithoutCall: Int) throws -> Date? {
        let nextRunnable = try db.value(Double.self, JobsSQL.earliestFutureRunnable, [seconds])
        let nextDay = decision.dayCapReached ? (seconds / 86_400).rounded(.down) * 86_400 + 86_400 : nil
        let wake = [decision.wakeAt, nextRunnable, nextDay, movedWithoutCall > 0 ? seconds : nil].compactMap { $0 }.min()
        return wake.map(Date.init(timeIntervalSince1970:))
    }
}
