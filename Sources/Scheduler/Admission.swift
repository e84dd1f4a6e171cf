/// Chooses, in queue order, the jobs whose cost fits every meter of their model, and spends it.
///
/// Per model the queue is first come, first served: once the first waiting job of a model does not
/// fit, no later job may take that model's budget in this round, so a large job is never starved by a
/// stream of small ones behind it. Jobs of other models go on being admitted.
public struct Admission: Sendable {
    /// A queued job as admission sees it.
    public struct Candidate: Sendable, Equatable {
        public var id: Int64
        public var models: [String]
        public var modelIndex: Int
        public var promptCharacters: Int
        public var maxTokens: Int?
        /// The batch allows moving to a later model of the chain when the job's own is out of budget.
        public var fallbackWhenLimited: Bool
        public var batchID: Int64
        /// The job may be shortened to fit a model's context window (`--truncate`).
        public var truncate: Bool
        /// `flex` spends on the model's flex meters; anything else on its on-demand ones.
        public var serviceTier: String? = nil
        /// The cold prompt prefix this job would warm on its current model (cache-aware ordering): the
        /// first job of the group admitted goes alone and the rest wait this round. Admission decides,
        /// not the order of the queue, so a job that a cap, a paused batch, a blocked model or the
        /// context window refuses never holds its group.
        public var coldGroup: String? = nil

        public init(
            id: Int64, models: [String], modelIndex: Int, promptCharacters: Int, maxTokens: Int?, fallbackWhenLimited: Bool = false,
            batchID: Int64 = 0, truncate: Bool = false, serviceTier: String? = nil
        ) {
            self.truncate = truncate
            self.serviceTier = serviceTier
            self.id = id
            self.batchID = batchID
            self.models = models
            self.modelIndex = modelIndex
            self.promptCharacters = promptCharacters
            self.maxTokens = maxTokens
            self.fallbackWhenLimited = fallbackWhenLimited
        }
    }

    /// A job admitted on the model at `modelIndex`, with the cost spent for it.
    public struct Admitted: Sendable, Equatable {
        public var id: Int64
        public var batchID: Int64 = 0
        public var modelIndex: Int
        public var cost: JobCost
        public var estimatedPromptTokens: Int
        /// The meters it spent on: the model's, or its flex ones.
        public var meterKey: String = ""
    }

    /// The meters a job spends on for a model: its flex ones (`model@flex`) when it asks for flex.
    public static func meterKey(serviceTier: String?, model: String) -> String {
        serviceTier == "flex" ? ModelCatalog.flexKey(model) : model
    }

    /// A job that can never fit its current model: it needs more than the model's whole limit.
    public struct TooLarge: Sendable, Equatable {
        public var id: Int64
        public var modelIndex: Int
        public var kind: LimitKind
        public var limit: Int
        public var cost: Int

        /// What to tell the user, for the job's error.
        public func advice(model: String) -> String {
            "the job needs \(cost) \(kind.countsTokens ? "tokens" : "requests") but \(model) allows \(limit) per \(kind.period == 60 ? "minute" : "day") (\(kind.rawValue.uppercased())); lower max_tokens or use a model with a larger limit"
        }
    }

    /// A job its current model cannot take at all (retired, or a prompt beyond its context window):
    /// it moves on, or fails, without a call.
    public struct Unusable: Sendable, Equatable {
        public var id: Int64
        public var modelIndex: Int
        public var code: String
        public var message: String
    }

    public struct Decision: Sendable, Equatable {
        public var admitted: [Admitted] = []
        public var tooLarge: [TooLarge] = []
        public var unusable: [Unusable] = []
        /// When nothing more fits: the earliest instant the first waiting job of some model will.
        public var wakeAt: Double?
        /// Batches whose cap stops their next job, with that job's cost.
        public var pausedBatches: [Int64: JobCost] = [:]
        /// The day's cap stops every job.
        public var dayCapReached = false
        /// Whether a call ending may let a waiting job go before `wakeAt`: it waits on tokens (a settled
        /// reservation gives some back), on a cap, or on a scout's answer. False when only request
        /// counts or a 429 hold it, which pass with time alone: a worker then need not claim again at
        /// every finished call (one full claim per call was most of its CPU in a paced burst).
        public var finishesMayAdmit = false
    }

    public var budgets: [String: ModelBudget]
    public var estimators: [String: TokenEstimator]
    public let catalog: ModelCatalog
    /// Each batch's cap, by batch id (batches without one need no entry).
    public var batchCaps: [Int64: SpendingCap]
    /// The day's cap across all batches.
    public var dayCap: SpendingCap

    public init(
        budgets: [String: ModelBudget], estimators: [String: TokenEstimator], catalog: ModelCatalog,
        batchCaps: [Int64: SpendingCap] = [:], dayCap: SpendingCap = SpendingCap()
    ) {
        self.budgets = budgets
        self.estimators = estimators
        self.catalog = catalog
        self.batchCaps = batchCaps
        self.dayCap = dayCap
    }

    public func estimatedPromptTokens(_ candidate: Candidate, model: String) -> Int {
        (estimators[model] ?? TokenEstimator()).estimate(characters: candidate.promptCharacters)
    }

    public func cost(of candidate: Candidate, model: String) -> JobCost {
        // Without max_tokens: a typical completion with a margin, learned from such jobs' answers.
        let estimator = estimators[model] ?? TokenEstimator()
        let output = candidate.maxTokens ?? estimator.completionReservation(maxOutput: catalog.entries[model]?.maxOutput)
        let prompt = estimatedPromptTokens(candidate, model: model)
        let dollars = catalog.entries[model]?.cost(promptTokens: prompt, completionTokens: output) ?? 0
        return JobCost(tokens: prompt + output, cost: dollars)
    }

    /// Why `model` cannot take the job at all, if it cannot: the catalog (refreshed from the provider)
    /// says it is decommissioned, or the prompt and its output limit exceed the context window. The
    /// prompt is estimated without the safety margin here: refusing a job that would fit costs more than
    /// one 400 from the provider.
    public func unusable(_ candidate: Candidate, model: String) -> (code: String, message: String)? {
        guard let entry = catalog.entries[model] else { return nil }
        if entry.isDecommissioned {
            return ("model_decommissioned", "\(model) is decommissioned: the provider no longer lists it (groqbatch models --refresh)")
        }
        if let window = entry.contextWindow, !candidate.truncate {
            let prompt = Int(Double(candidate.promptCharacters) * (estimators[model] ?? TokenEstimator()).ratio)
            let output = candidate.maxTokens ?? 0
            if prompt + output > window {
                return (
                    "context_length_exceeded",
                    "the prompt (about \(prompt) tokens) and max_tokens (\(output)) exceed \(model)'s context window of \(window) tokens; --truncate shortens such prompts instead"
                )
            }
        }
        return nil
    }

    /// One round of admission, which may see the queue page by page: what it decided so far, and the
    /// meters whose first waiting job did not fit (no later job may take their budget this round).
    public struct Round: Sendable {
        public var decision = Decision()
        public var waiting = Set<String>()
        /// Meters whose guesses were raised this round: they are saved even when nothing was admitted.
        public var raised = Set<String>()
        /// Cold prefix groups whose first job was admitted this round: their other jobs wait for its answer.
        public var pioneered = Set<String>()
        public init() {}

        /// Whether the round is over: `limit` jobs admitted, or the day's cap reached.
        public func isComplete(limit: Int) -> Bool {
            decision.admitted.count >= limit || decision.dayCapReached
        }
    }

    /// Admits up to `limit` of `candidates` (in queue order) at `now`, spending their cost.
    public mutating func admit(_ candidates: [Candidate], limit: Int, now: Double) -> Decision {
        var round = Round()
        admit(candidates, limit: limit, now: now, round: &round)
        return round.decision
    }

    /// Admits from one more page of the queue into `round`.
    public mutating func admit(_ candidates: [Candidate], limit: Int, now: Double, round: inout Round) {
        for candidate in candidates where !round.isComplete(limit: limit) {
            guard candidate.models.indices.contains(candidate.modelIndex), round.decision.pausedBatches[candidate.batchID] == nil else { continue }
            if let group = candidate.coldGroup, round.pioneered.contains(group) { continue }
            let positions =
                candidate.fallbackWhenLimited
                ? Array(candidate.modelIndex..<candidate.models.count) : [candidate.modelIndex]
            for position in positions {
                let model = candidate.models[position]
                if let reason = unusable(candidate, model: model) {
                    if position == candidate.modelIndex {
                        round.decision.unusable.append(Unusable(id: candidate.id, modelIndex: position, code: reason.code, message: reason.message))
                        break
                    }
                    continue
                }
                let key = Self.meterKey(serviceTier: candidate.serviceTier, model: model)
                guard !round.waiting.contains(key), var budget = budgets[key] else { continue }
                let cost = cost(of: candidate, model: model)
                // The user's caps come first: a capped batch pauses, a capped day pauses everything.
                if !dayCap.allows(tokens: cost.tokens, cost: cost.cost) {
                    round.decision.dayCapReached = true
                    round.decision.finishesMayAdmit = true
                    return
                }
                if let cap = batchCaps[candidate.batchID], !cap.allows(tokens: cost.tokens, cost: cost.cost) {
                    round.decision.pausedBatches[candidate.batchID] = cost
                    round.decision.finishesMayAdmit = true
                    break
                }
                guard var wait = budget.wait(for: cost, at: now) else {
                    if position == candidate.modelIndex, let meter = budget.refusing(cost) {
                        round.decision.tooLarge.append(
                            TooLarge(
                                id: candidate.id, modelIndex: position, kind: meter.kind, limit: meter.limit ?? 0,
                                cost: cost.amount(for: meter.kind)))
                        break
                    }
                    continue
                }
                // Work waits on a guess: go above it (the provider's 429 says where the real limit is).
                if wait > 0, budget.raiseBindingGuesses(for: cost, at: now) {
                    budgets[key] = budget
                    round.raised.insert(key)
                    wait = budget.wait(for: cost, at: now) ?? wait
                }
                if wait > 0 {
                    if !budget.waitsOnlyForTime(for: cost, at: now) { round.decision.finishesMayAdmit = true }
                    round.waiting.insert(key)
                    round.decision.wakeAt = min(round.decision.wakeAt ?? .infinity, now + wait)
                    continue
                }
                budget.spend(cost, at: now)
                budgets[key] = budget
                dayCap.add(tokens: cost.tokens, cost: cost.cost)
                batchCaps[candidate.batchID]?.add(tokens: cost.tokens, cost: cost.cost)
                round.decision.admitted.append(
                    Admitted(
                        id: candidate.id, batchID: candidate.batchID, modelIndex: position, cost: cost,
                        estimatedPromptTokens: estimatedPromptTokens(candidate, model: model), meterKey: key))
                // Only on the model whose cache it was to warm: moved to another, it warms nothing of its group.
                if position == candidate.modelIndex, let group = candidate.coldGroup { round.pioneered.insert(group) }
                break
            }
        }
    }
}
