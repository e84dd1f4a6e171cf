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

        public init(id: Int64, models: [String], modelIndex: Int, promptCharacters: Int, maxTokens: Int?, fallbackWhenLimited: Bool = false, batchID: Int64 = 0) {
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
    }

    /// A job that can never fit its current model: it needs more than the model's whole limit.
    public struct TooLarge: Sendable, Equatable {
        public var id: Int64
        public var modelIndex: Int
        public var kind: LimitKind
        public var limit: Int
        public var cost: Int
    }

    public struct Decision: Sendable, Equatable {
        public var admitted: [Admitted] = []
        public var tooLarge: [TooLarge] = []
        /// When nothing more fits: the earliest instant the first waiting job of some model will.
        public var wakeAt: Double?
        /// Batches whose cap stops their next job, with that job's cost.
        public var pausedBatches: [Int64: JobCost] = [:]
        /// The day's cap stops every job.
        public var dayCapReached = false
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

    /// Output tokens reserved for a job without `max_tokens`: the model's whole output limit, which is
    /// what the provider holds back for it.
    public static let defaultOutputReservation = 8_192

    public func estimatedPromptTokens(_ candidate: Candidate, model: String) -> Int {
        (estimators[model] ?? TokenEstimator()).estimate(characters: candidate.promptCharacters)
    }

    public func cost(of candidate: Candidate, model: String) -> JobCost {
        let output = candidate.maxTokens ?? catalog.entries[model]?.maxOutput ?? Self.defaultOutputReservation
        let prompt = estimatedPromptTokens(candidate, model: model)
        let dollars = catalog.entries[model]?.cost(promptTokens: prompt, completionTokens: output) ?? 0
        return JobCost(tokens: prompt + output, cost: dollars)
    }

    /// Admits up to `limit` of `candidates` (in queue order) at `now`, spending their cost.
    public mutating func admit(_ candidates: [Candidate], limit: Int, now: Double) -> Decision {
        var decision = Decision()
        var waiting = Set<String>()
        for candidate in candidates where decision.admitted.count < limit {
            guard candidate.models.indices.contains(candidate.modelIndex), decision.pausedBatches[candidate.batchID] == nil else { continue }
            let positions = candidate.fallbackWhenLimited
                ? Array(candidate.modelIndex..<candidate.models.count) : [candidate.modelIndex]
            for position in positions {
                let model = candidate.models[position]
                guard !waiting.contains(model), var budget = budgets[model] else { continue }
                let cost = cost(of: candidate, model: model)
                // The user's caps come first: a capped batch pauses, a capped day pauses everything.
                if !dayCap.allows(tokens: cost.tokens, cost: cost.cost) {
                    decision.dayCapReached = true
                    return decision
                }
                if let cap = batchCaps[candidate.batchID], !cap.allows(tokens: cost.tokens, cost: cost.cost) {
                    decision.pausedBatches[candidate.batchID] = cost
                    break
                }
                guard let wait = budget.wait(for: cost, at: now) else {
                    if position == candidate.modelIndex, let meter = budget.refusing(cost) {
                        decision.tooLarge.append(TooLarge(
                            id: candidate.id, modelIndex: position, kind: meter.kind, limit: meter.limit ?? 0,
                            cost: cost.amount(for: meter.kind)))
                        break
                    }
                    continue
                }
                if wait > 0 {
                    waiting.insert(model)
                    decision.wakeAt = min(decision.wakeAt ?? .infinity, now + wait)
                    continue
                }
                budget.spend(cost, at: now)
                budgets[model] = budget
                dayCap.add(tokens: cost.tokens, cost: cost.cost)
                batchCaps[candidate.batchID]?.add(tokens: cost.tokens, cost: cost.cost)
                decision.admitted.append(Admitted(
                    id: candidate.id, batchID: candidate.batchID, modelIndex: position, cost: cost,
                    estimatedPromptTokens: estimatedPromptTokens(candidate, model: model)))
                break
            }
        }
        return decision
    }
}
