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

    @Test func aGuessedLimitIsPacedStrictlyAndAConfirmedOneMayBurstATenth() {
        var guessed = Meter(kind: .rpm, limit: 30, source: .catalog)
        guessed.spend(1, at: 0)
        #expect(guessed.wait(for: 1, at: 0) == 2, "30 a minute, evenly: one every 2 s")
        var known = confirmed(.rpm, 100)
        var burst = 0
        while known.wait(for: 1, at: 0) == 0 {
            known.spend(1, at: 0)
            burst += 1
        }
        #expect(burst == 11, "a tenth of the minute's budget ahead of schedule, plus the one on schedule")
        #expect(abs(known.wait(for: 1, at: 0)! - 0.6) < 1e-9)
    }

    @Test func dailyMetersAreNotPaced() {
        var day = Meter(kind: .tpd, limit: 1_000_000, source: .catalog)
        day.spend(100_000, at: 0)
        #expect(day.wait(for: 100_000, at: 0) == 0, "a day's budget may be used as fast as the minute allows")
        #expect(day.pacedUntil == 0)
    }

    @Test func pacingIsGivenBackWhenAReservationSettlesLower() {
        var meter = confirmed(.tpm, 6000)
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
