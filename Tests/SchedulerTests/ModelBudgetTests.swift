import Scheduler
import Testing

/// The first answers decide what the guesses become; work waiting on a guess raises it.
struct ModelBudgetTests {
    /// gpt-oss-20b's catalog entry: 30 RPM, 1,000 RPD, 8,000 TPM, 200,000 TPD.
    func catalogBudget(heard: Bool = false) -> ModelBudget {
        let catalog = ModelCatalog.groq
        var meters: [LimitKind: Meter] = [:]
        for kind in LimitKind.allCases {
            let start = catalog.startingLimit(model: "openai/gpt-oss-20b", kind: kind)
            meters[kind] = Meter(kind: kind, limit: start.limit, source: start.source)
        }
        return ModelBudget(model: "openai/gpt-oss-20b", meters: meters, heardAt: heard ? 0 : nil)
    }

    func answer(tpm: Int?, rpd: Int?) -> ProviderObservation {
        ProviderObservation(
            provider: "p", model: "openai/gpt-oss-20b", tokensPerMinute: .init(limit: tpm, remaining: tpm, resetIn: 0),
            requestsPerDay: .init(limit: rpd, remaining: rpd, resetIn: 0), promptTokens: 10, totalTokens: 50)
    }

    @Test func headersFarAboveTheCatalogScaleTheLimitsTheyDoNotState() {
        var budget = catalogBudget()
        budget.apply(answer(tpm: 320_000, rpd: 40_000), at: 5)
        #expect(budget.meters[.tpm]!.limit == 320_000 && budget.meters[.tpm]!.isFirm)
        #expect(budget.meters[.rpm]!.limit == 1_200 && budget.meters[.rpm]!.guess == .scaled && budget.meters[.rpm]!.floor == 30)
        #expect(budget.meters[.tpd]!.limit == 8_000_000 && budget.meters[.tpd]!.guess == .scaled)
        #expect(budget.heardAt == 5)
        #expect(MeterStanding(budget.meters[.rpm]!) == .scaled && !MeterStanding(budget.meters[.rpm]!).isFirm)
    }

    @Test func headersThatMatchTheCatalogTrustItsTier() {
        var budget = catalogBudget()
        budget.apply(answer(tpm: 8_000, rpd: 1_000), at: 5)
        #expect(budget.meters[.rpm]!.limit == 30 && budget.meters[.rpm]!.guess == .tier)
        var work = budget
        for _ in 0..<30 { work.spend(JobCost(tokens: 100), at: 6) }
        let raised = work.raiseBindingGuesses(for: JobCost(tokens: 100), at: 6)
        #expect(!raised, "the catalog's tier is not probed: no 429 to pay")
    }

    @Test func headersBelowTheCatalogScaleItDownToANewFloor() {
        var budget = catalogBudget()
        budget.apply(answer(tpm: 4_000, rpd: 500), at: 5)
        #expect(budget.meters[.rpm]!.limit == 15 && budget.meters[.rpm]!.floor == 15 && !budget.meters[.rpm]!.isPaced)
        #expect(budget.meters[.rpm]!.guess == .scaled)
    }

    @Test func anAnswerWithoutHeadersMeansNoLimitIsAssumed() {
        var budget = catalogBudget()
        budget.apply(answer(tpm: nil, rpd: nil), at: 5)
        #expect(budget.meters.values.allSatisfy { $0.limit == nil && $0.guess == GuessState.none })
        #expect(budget.wait(for: JobCost(tokens: 1_000_000), at: 6) == 0)
        var failed = catalogBudget()
        var timeout = answer(tpm: nil, rpd: nil)
        timeout.totalTokens = nil
        failed.apply(timeout, at: 5)
        #expect(failed.meters[.rpm]!.limit == 30, "only an answer says there are no headers; an error page may just lack them")
    }

    @Test func untilTheFirstAnswerOneCallGoesAlone() {
        var budget = catalogBudget()
        #expect(budget.wait(for: JobCost(tokens: 100), at: 0) == 0)
        budget.spend(JobCost(tokens: 100), at: 0)
        #expect(budget.wait(for: JobCost(tokens: 100), at: 0) == ModelBudget.scoutRecheck)
        budget.apply(answer(tpm: 8_000, rpd: 1_000), at: 1)
        #expect(budget.wait(for: JobCost(tokens: 100), at: 1) == 0)
    }

    @Test func onlyGuessesThatBindAreRaisedAndNotBesideAFirmLimit() {
        var budget = catalogBudget(heard: true)
        budget.apply(answer(tpm: 20_000, rpd: 1_500), at: 0)
        #expect(budget.meters[.rpm]!.limit == 45, "1.5 times the catalog: scaled, still a guess")
        for _ in 0..<45 { budget.spend(JobCost(tokens: 10), at: 1) }
        let raised = budget.raiseBindingGuesses(for: JobCost(tokens: 10), at: 1)
        #expect(raised)
        #expect(budget.meters[.rpm]!.limit == 90 && budget.meters[.rpm]!.guess == .probing)
        #expect(budget.meters[.tpd]!.limit == 300_000, "a guess that does not bind stays")
        var tokenBound = catalogBudget(heard: true)
        tokenBound.apply(answer(tpm: 20_000, rpd: 1_500), at: 0)
        tokenBound.spend(JobCost(tokens: 19_990), at: 1)
        let raisedBesideFirm = tokenBound.raiseBindingGuesses(for: JobCost(tokens: 100), at: 1)
        #expect(!raisedBesideFirm, "the stated TPM binds: raising a guess buys nothing")
    }

    @Test func whatOnlyTimeFreesIsToldApartFromWhatAFinishedCallMayGiveBack() {
        // Stated limits: 2 requests and 1,000 tokens a minute.
        func stated(_ rpm: Int, _ tpm: Int) -> ModelBudget {
            ModelBudget(
                model: "m",
                meters: [.rpm: Meter(kind: .rpm, limit: rpm, source: .header), .tpm: Meter(kind: .tpm, limit: tpm, source: .header)])
        }
        var requests = stated(2, 1_000)
        for _ in 0..<2 { requests.spend(JobCost(tokens: 10), at: 0) }
        #expect(requests.wait(for: JobCost(tokens: 10), at: 1)! > 0)
        #expect(requests.waitsOnlyForTime(for: JobCost(tokens: 10), at: 1), "a request, once made, stays counted")
        var tokens = stated(100, 1_000)
        tokens.spend(JobCost(tokens: 900), at: 0)
        #expect(!tokens.waitsOnlyForTime(for: JobCost(tokens: 200), at: 1), "a settled reservation may give tokens back")
        var blocked = tokens
        blocked.meters[.tpm]!.blockedUntil = 30
        #expect(blocked.waitsOnlyForTime(for: JobCost(tokens: 200), at: 1), "a 429's block passes with time")
        var scout = catalogBudget()
        scout.spend(JobCost(tokens: 10), at: 0)
        #expect(scout.awaitsFirstAnswer && !scout.waitsOnlyForTime(for: JobCost(tokens: 10), at: 0.5), "the scout's answer may free the rest")
        #expect(stated(2, 1_000).waitsOnlyForTime(for: JobCost(tokens: 10), at: 0), "nothing waits")
    }
}
