import Testing

@testable import Scheduler

struct AdmissionTests {
    let catalog = ModelCatalog(entries: [], source: .catalog)

    func budget(_ model: String, tpm: Int, rpm: Int = 1000, used: Int = 0) -> ModelBudget {
        var tokens = Meter(kind: .tpm, limit: tpm, source: .config)
        if used > 0 { tokens.spends = [Meter.Spend(at: 0, amount: used)] }
        return ModelBudget(model: model, meters: [.tpm: tokens, .rpm: Meter(kind: .rpm, limit: rpm, source: .config)])
    }

    func job(_ id: Int64, tokens: Int, models: [String] = ["a"], fallbackWhenLimited: Bool = false) -> Admission.Candidate {
        Admission.Candidate(id: id, models: models, modelIndex: 0, promptCharacters: 0, maxTokens: tokens, fallbackWhenLimited: fallbackWhenLimited)
    }

    @Test func aLargeJobIsNotStarvedBySmallOnesBehindIt() {
        var admission = Admission(budgets: ["a": budget("a", tpm: 1000, used: 900)], estimators: [:], catalog: catalog)
        let queue = [job(1, tokens: 500)] + (2...20).map { job(Int64($0), tokens: 20) }
        let blocked = admission.admit(queue, limit: 10, now: 1)
        #expect(blocked.admitted.isEmpty, "small jobs must not take the budget the first job waits for")
        #expect(blocked.wakeAt == 60)
        let later = admission.admit(queue, limit: 10, now: 60)
        #expect(later.admitted.first?.id == 1)
    }

    @Test func aDecisionSaysWhetherAFinishedCallMayLetMoreGoBeforeItsWake() {
        var requests = Admission(budgets: ["a": budget("a", tpm: 100_000, rpm: 2)], estimators: [:], catalog: catalog)
        let paced = requests.admit((1...5).map { job(Int64($0), tokens: 10) }, limit: 5, now: 1)
        #expect(paced.admitted.count == 2 && paced.wakeAt == 61)
        #expect(!paced.finishesMayAdmit, "two requests a minute: only time brings the third")
        var tokens = Admission(budgets: ["a": budget("a", tpm: 100, used: 90)], estimators: [:], catalog: catalog)
        let full = tokens.admit([job(1, tokens: 50)], limit: 5, now: 1)
        #expect(full.admitted.isEmpty && full.finishesMayAdmit, "a call settling below its reservation gives tokens back")
        var free = Admission(budgets: ["a": budget("a", tpm: 100_000)], estimators: [:], catalog: catalog)
        #expect(!free.admit([job(1, tokens: 10)], limit: 5, now: 1).finishesMayAdmit, "nothing waits")
    }

    @Test func otherModelsGoOnWhileOneWaits() {
        var admission = Admission(budgets: ["a": budget("a", tpm: 100, used: 100), "b": budget("b", tpm: 1000)], estimators: [:], catalog: catalog)
        let decision = admission.admit([job(1, tokens: 50), job(2, tokens: 50, models: ["b"]), job(3, tokens: 50)], limit: 10, now: 1)
        #expect(decision.admitted.map(\.id) == [2])
    }

    @Test func fallbackWhenLimitedMovesOnlyWhenTheBatchAllowsIt() {
        let budgets = ["a": budget("a", tpm: 100, used: 100), "b": budget("b", tpm: 1000)]
        var strict = Admission(budgets: budgets, estimators: [:], catalog: catalog)
        #expect(strict.admit([job(1, tokens: 50, models: ["a", "b"])], limit: 1, now: 1).admitted.isEmpty)
        var flexible = Admission(budgets: budgets, estimators: [:], catalog: catalog)
        let moved = flexible.admit([job(1, tokens: 50, models: ["a", "b"], fallbackWhenLimited: true)], limit: 1, now: 1)
        #expect(moved.admitted.map(\.modelIndex) == [1])
    }

    @Test func aJobLargerThanTheWholeLimitIsReportedNotWaitedFor() {
        var admission = Admission(budgets: ["a": budget("a", tpm: 1000)], estimators: [:], catalog: catalog)
        let decision = admission.admit([job(1, tokens: 5000), job(2, tokens: 10)], limit: 5, now: 0)
        #expect(decision.tooLarge == [Admission.TooLarge(id: 1, modelIndex: 0, kind: .tpm, limit: 1000, cost: 5001)])
        #expect(decision.admitted.map(\.id) == [2])
    }

    @Test func theCostIsTheEstimatedPromptPlusTheOutputLimit() {
        var estimator = TokenEstimator()
        for _ in 0..<50 { estimator.learn(characters: 1000, tokens: 200) }
        let admission = Admission(
            budgets: [:], estimators: ["a": estimator], catalog: ModelCatalog(entries: [.init(id: "a", maxOutput: 4096)], source: .catalog))
        let withLimit = Admission.Candidate(id: 1, models: ["a"], modelIndex: 0, promptCharacters: 1000, maxTokens: 100)
        let cost = admission.cost(of: withLimit, model: "a").tokens
        #expect(cost > 300 && cost <= 315, "200 estimated with a 5% margin, plus 100: \(cost)")
        let without = Admission.Candidate(id: 2, models: ["a"], modelIndex: 0, promptCharacters: 1000, maxTokens: nil)
        let unlearned = admission.cost(of: without, model: "a").tokens
        #expect(unlearned > 200 + 1024 && unlearned < 4096, "without max_tokens a typical answer, not the whole output limit: \(unlearned)")
        for _ in 0..<20 { estimator.learnCompletion(tokens: 300) }
        let learned = Admission(budgets: [:], estimators: ["a": estimator], catalog: admission.catalog).cost(of: without, model: "a").tokens
        #expect(learned > 200 + 300 && learned <= 210 + 375 + 1, "the answers teach the rest, with a margin: \(learned)")
    }
}

struct SpendingCapTests {
    let catalog = ModelCatalog(entries: [.init(id: "a", maxOutput: 100, inputPrice: 1, outputPrice: 2)], source: .catalog)
    let budgets = ["a": ModelBudget(model: "a", meters: [.tpm: Meter(kind: .tpm, limit: 1_000_000, source: .config)])]

    func job(_ id: Int64, batch: Int64) -> Admission.Candidate {
        Admission.Candidate(id: id, models: ["a"], modelIndex: 0, promptCharacters: 0, maxTokens: 100, batchID: batch)
    }

    @Test func aCappedBatchPausesWhileOthersGoOn() {
        var admission = Admission(budgets: budgets, estimators: [:], catalog: catalog, batchCaps: [1: SpendingCap(maxTokens: 250)])
        let decision = admission.admit([job(1, batch: 1), job(2, batch: 1), job(3, batch: 1), job(4, batch: 2)], limit: 10, now: 0)
        #expect(decision.admitted.map(\.id) == [1, 2, 4], "each job reserves 101 tokens: two fit under 250")
        #expect(decision.pausedBatches.keys.sorted() == [1])
        #expect(decision.finishesMayAdmit, "an answer settled below its reservation gives the cap room back")
        #expect(admission.batchCaps[1]?.spentTokens == 202)
    }

    @Test func theDaysCostCapStopsEverything() {
        // 101 tokens: 1 prompt token at $1/M + 100 output tokens at $2/M = $0.000201 a job.
        var admission = Admission(budgets: budgets, estimators: [:], catalog: catalog, dayCap: SpendingCap(maxCost: 0.0005))
        let decision = admission.admit((1...5).map { job(Int64($0), batch: Int64($0)) }, limit: 10, now: 0)
        #expect(decision.admitted.count == 2 && decision.dayCapReached)
        #expect(
            SpendingCap(maxTokens: 250, spentTokens: 202).reason(for: JobCost(tokens: 101)) == "token cap 250 reached: 202 spent, the next job needs about 101")
    }
}
