import Scheduler
import Testing

struct MeterTests {
    func confirmed(_ kind: LimitKind, _ limit: Int) -> Meter {
        Meter(kind: kind, limit: limit, source: .config)
    }

    @Test func theWindowEdgeIsExact() {
        var meter = confirmed(.rpm, 2)
        meter.spends = [Meter.Spend(at: 0, amount: 1), Meter.Spend(at: 10, amount: 1)]
        #expect(meter.wait(for: 1, at: 59.5) == 0.5)
        #expect(meter.wait(for: 1, at: 60) == 0, "a spend leaves the window exactly one period later")
        #expect(meter.wait(for: 2, at: 60) == 10)
        #expect(meter.used(at: 70) == 0)
    }

    @Test func aKnownLimitIsNeverExceededInAnyWindow() {
        var meter = confirmed(.tpm, 1000)
        var now = 0.0
        var log: [(Double, Int)] = []
        for step in 0..<2000 {
            let amount = 50 + (step * 37) % 300
            if let wait = meter.wait(for: amount, at: now), wait == 0 {
                meter.spend(amount, at: now)
                log.append((now, amount))
            }
            now += 0.37
        }
        for (start, _) in log {
            let inWindow = log.filter { $0.0 >= start && $0.0 < start + 60 }.reduce(0) { $0 + $1.1 }
            #expect(inWindow <= 1000)
        }
        #expect(log.count > 100)
    }

    @Test func settlingARefundFreesBudgetAtOnce() {
        var meter = confirmed(.tpm, 1000)
        meter.spends.append(Meter.Spend(at: 0, amount: 900, id: 7))
        #expect(meter.wait(for: 500, at: 1)! > 0)
        meter.settle(spendID: 7, actual: 300)
        #expect(meter.wait(for: 500, at: 1) == 0)
    }

    @Test func headersOverwriteTheLimitAndCorrectUsageUpwards() {
        var meter = Meter(kind: .tpm, limit: 8000, source: .catalog)
        meter.applyHeaders(limit: 6000, remaining: 1000, resetIn: 30, at: 100)
        #expect(meter.limit == 6000 && meter.source == .header)
        #expect(meter.used(at: 100) == 5000)
        #expect(meter.wait(for: 2000, at: 100) == 30, "the provider's usage leaves when it says the budget is full again")
        // A report of less usage than counted here never lowers the count: calls may be on their way.
        meter.applyHeaders(limit: 6000, remaining: 6000, resetIn: 0, at: 101)
        #expect(meter.used(at: 101) == 5000)
    }

    @Test func a429SetsTheLimitBlocksAndCorrects() {
        var meter = Meter(kind: .rpm, limit: 30, source: .catalog)
        meter.spends = [Meter.Spend(at: 0, amount: 1)]
        meter.applyRateLimit(limit: 10, used: 10, retryAfter: 40, at: 20)
        #expect(meter.limit == 10 && meter.source == .rateLimitError && meter.source.isConfirmed)
        #expect(meter.blockedUntil == 60)
        #expect(meter.used(at: 20) == 10)
        #expect(meter.wait(for: 1, at: 20) == 40)
    }

    @Test func aFreshWindowTakesTheWholeLimitAtOnceFirmOrFloor() {
        for var meter in [confirmed(.rpm, 30), Meter(kind: .rpm, limit: 30, source: .catalog)] {
            var burst = 0
            while meter.wait(for: 1, at: 0) == 0 {
                meter.spend(1, at: 0)
                burst += 1
            }
            #expect(burst == 30, "what the provider allows, when it allows it: \(meter.source)")
            #expect(meter.wait(for: 1, at: 0) == 60)
        }
    }

    @Test func aGuessAboveItsFloorBurstsToTheFloorAndPacesTheRest() {
        var meter = Meter(kind: .rpm, limit: 120, source: .catalog, guess: .scaled, floor: 30)
        var burst = 0
        while meter.wait(for: 1, at: 0) == 0 {
            meter.spend(1, at: 0)
            burst += 1
        }
        #expect(burst == 31, "the floor's 30 ahead of schedule, plus the one on schedule")
        #expect(abs(meter.wait(for: 1, at: 0)! - 0.5) < 1e-9, "then 120 a minute: one every half second")
        var unknownFloor = Meter(kind: .rpm, limit: 20, source: .catalog, guess: .scaled, floor: nil)
        unknownFloor.spend(1, at: 0)
        #expect(unknownFloor.wait(for: 1, at: 0) == 3, "below the catalog nothing is known safe: strictly paced")
    }

    @Test func aGuessNeverRefusesAJobItGoesAloneInAnEmptyWindow() {
        var guess = Meter(kind: .tpm, limit: 8_000, source: .catalog)
        #expect(guess.wait(for: 65_552, at: 0) == 0)
        guess.spend(500, at: 10)
        #expect(guess.wait(for: 65_552, at: 20) == 50, "once the window is empty")
        #expect(confirmed(.tpm, 8_000).wait(for: 65_552, at: 0) == nil, "a stated limit does refuse it")
    }

    @Test func aRaisedGuessLetsOneProbeGoAtOnceAndPacesTheRest() {
        var meter = Meter(kind: .rpm, limit: 15, source: .catalog, guess: .scaled, floor: 15)
        for _ in 0..<15 { meter.spend(1, at: 0) }
        #expect(meter.wait(for: 1, at: 1)! > 0)
        let raised = meter.raiseGuess(at: 1)
        #expect(raised && meter.limit == 30)
        #expect(meter.wait(for: 1, at: 1) == 0, "the probe")
        meter.spend(1, at: 1)
        #expect(abs(meter.wait(for: 1, at: 1)! - 2) < 1e-9, "then 30 a minute, not the floor's burst again")
    }

    @Test func aBindingGuessIsDoubledAtMostOncePerIntervalAndStatedLimitsNever() {
        var guess = Meter(kind: .rpm, limit: 30, source: .catalog)
        let raised = guess.raiseGuess(at: 100)
        #expect(raised)
        #expect(guess.limit == 60 && guess.guess == .probing && guess.floor == 30)
        let tooSoon = guess.raiseGuess(at: 105)
        #expect(!tooSoon, "the calls the last step let through answer first")
        let again = guess.raiseGuess(at: 110)
        #expect(again && guess.limit == 120)
        var stated = confirmed(.rpm, 30)
        var tier = Meter(kind: .rpm, limit: 30, source: .catalog, guess: .tier, floor: 30)
        var blocked = Meter(kind: .rpm, limit: 30, source: .catalog, blockedUntil: 200)
        let others = [stated.raiseGuess(at: 100), tier.raiseGuess(at: 100), blocked.raiseGuess(at: 100)]
        #expect(others == [false, false, false], "stated limits, the catalog's tier and a 429's block stay as they are")
        guess.applyRateLimit(limit: 90, used: 90, retryAfter: 5, at: 120)
        let afterThe429 = guess.raiseGuess(at: 200)
        #expect(guess.isFirm && guess.limit == 90 && !afterThe429, "the 429 ends the search")
    }

    @Test func dailyMetersAreNotPaced() {
        var day = Meter(kind: .tpd, limit: 1_000_000, source: .catalog)
        day.spend(100_000, at: 0)
        #expect(day.wait(for: 100_000, at: 0) == 0, "a day's budget may be used as fast as the minute allows")
        #expect(day.pacedUntil == 0)
    }

    @Test func pacingIsGivenBackWhenAReservationSettlesLower() {
        var meter = Meter(kind: .tpm, limit: 6000, source: .catalog, guess: .probing, floor: 3000)
        meter.spend(6000, at: 0)
        #expect(meter.pacedUntil == 60)
        meter.refundPacing(3000, at: 1)
        #expect(meter.pacedUntil == 30)
    }

    @Test func aClockThatJumpsBackNeverOverspends() {
        var meter = confirmed(.rpm, 1)
        meter.spends = [Meter.Spend(at: 1000, amount: 1)]
        #expect(meter.used(at: 900) == 1, "a spend from the future still counts")
        #expect(meter.wait(for: 1, at: 900) == 160, "and leaves the window no earlier than it would have")
        var budget = ModelBudget(model: "m", meters: [.rpm: meter])
        #expect(budget.wait(for: JobCost(tokens: 1), at: 950)! > 0)
        budget.meters[.rpm]!.prune(at: 950)
        #expect(budget.meters[.rpm]!.spends.count == 1)
    }

    @Test func aDayRollsOverOneSpendAtATime() {
        var meter = confirmed(.rpd, 1000)
        meter.spends = (0..<1000).map { Meter.Spend(at: Double($0) * 80, amount: 1) }
        #expect(meter.wait(for: 1, at: 80_000) == 6_400, "the first spend of the day leaves at 86 400 s")
        #expect(meter.wait(for: 1, at: 86_400) == 0)
        #expect(meter.wait(for: 2, at: 86_400) == 80)
        #expect(meter.resetIn(at: 86_400) == 79_920 + 86_400 - 86_400)
    }

    @Test func moreThanTheWholeLimitNeverFits() {
        let meter = confirmed(.tpm, 6000)
        #expect(meter.wait(for: 6001, at: 0) == nil)
        #expect(Meter(kind: .tpm, limit: nil, source: .catalog).wait(for: 1_000_000, at: 0) == 0)
    }
}
