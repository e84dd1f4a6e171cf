import Testing

@testable import Scheduler

/// A cold prompt prefix's group sends one job first: the first of the group admission admits, whatever
/// refused the jobs before it.
struct AdmissionColdGroupTests {
    let catalog = ModelCatalog(entries: [], source: .catalog)

    func budgets(aUsed: Int = 0) -> [String: ModelBudget] {
        func budget(_ model: String, used: Int) -> ModelBudget {
            var tokens = Meter(kind: .tpm, limit: 1000, source: .config)
            if used > 0 { tokens.spends = [Meter.Spend(at: 0, amount: used)] }
            return ModelBudget(model: model, meters: [.tpm: tokens, .rpm: Meter(kind: .rpm, limit: 1000, source: .config)])
        }
        return ["a": budget("a", used: aUsed), "b": budget("b", used: 0)]
    }

    func job(_ id: Int64, batch: Int64 = 1, models: [String] = ["a"], fallback: Bool = false, group: String? = "a|p") -> Admission.Candidate {
        var candidate = Admission.Candidate(
            id: id, models: models, modelIndex: 0, promptCharacters: 0, maxTokens: 50, fallbackWhenLimited: fallback, batchID: batch)
        candidate.coldGroup = group
        return candidate
    }

    @Test func aJobRefusedForItsBatchsCapDoesNotTakeItsGroupsFirstPlace() {
        var admission = Admission(budgets: budgets(), estimators: [:], catalog: catalog, batchCaps: [1: SpendingCap(maxTokens: 1)])
        let decision = admission.admit([job(1), job(2), job(3, batch: 2), job(4, batch: 2), job(5, batch: 3, group: nil)], limit: 10, now: 1)
        #expect(decision.admitted.map(\.id) == [3, 5], "the capped batch's job is refused; the next of the group goes alone")
        #expect(decision.pausedBatches.keys.sorted() == [1])
    }

    @Test func aJobMovedToAnotherModelWarmsNothingOfItsGroup() {
        var admission = Admission(budgets: budgets(aUsed: 1000), estimators: [:], catalog: catalog)
        let decision = admission.admit([job(1, models: ["a", "b"], fallback: true), job(2, models: ["a", "b"], fallback: true)], limit: 10, now: 1)
        #expect(decision.admitted.map(\.modelIndex) == [1, 1], "on model b neither job warms a's prefix: neither holds the other")
    }

    @Test func onceOneOfTheGroupIsAdmittedTheOthersWaitThisRound() {
        var admission = Admission(budgets: budgets(), estimators: [:], catalog: catalog)
        var round = Admission.Round()
        admission.admit([job(1), job(2)], limit: 10, now: 1, round: &round)
        admission.admit([job(3), job(4, group: "a|q")], limit: 10, now: 1, round: &round)
        #expect(round.decision.admitted.map(\.id) == [1, 4], "across pages too")
    }
}
