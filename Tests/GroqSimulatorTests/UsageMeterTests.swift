import Testing

@testable import GroqSimulator

struct UsageMeterTests {
    @Test func aRollingWindowFreesEachSpendAPeriodLater() {
        var meter = UsageMeter(limit: 3, period: 60, enforcement: .rollingWindow)
        _ = meter.spend(1, at: 0)
        _ = meter.spend(1, at: 10)
        _ = meter.spend(1, at: 20)
        #expect(meter.used(at: 30) == 3)
        #expect(meter.wait(for: 1, at: 30) == 30, "the spend at 0 leaves at 60")
        #expect(meter.wait(for: 2, at: 30) == 40)
        #expect(meter.used(at: 60) == 2)
        #expect(meter.resetIn(at: 60) == 20)
        #expect(meter.wait(for: 1, at: 60) == 0)
    }

    @Test func aBucketRefillsContinuously() {
        var meter = UsageMeter(limit: 60, period: 60, enforcement: .refillingBucket)
        _ = meter.spend(60, at: 0)
        #expect(meter.remaining(at: 0) == 0)
        #expect(meter.remaining(at: 30) == 30)
        #expect(abs(meter.wait(for: 45, at: 30) - 15) < 1e-9)
        #expect(abs(meter.resetIn(at: 30) - 30) < 1e-9)
        #expect(meter.remaining(at: 500) == 60, "never above the limit")
    }

    @Test(arguments: LimitEnforcement.allCases)
    func refundsGiveBackTheUnusedReservation(style: LimitEnforcement) {
        var meter = UsageMeter(limit: 1000, period: 60, enforcement: style)
        let ticket = meter.spend(900, at: 0)
        #expect(meter.wait(for: 200, at: 0) > 0)
        meter.refund(700, of: ticket, at: 0)
        #expect(meter.used(at: 0) == 200)
        #expect(meter.wait(for: 800, at: 0) == 0)
    }

    @Test func admissionNamesTheLimitThatRefuses() {
        var meters = ModelMeters(model: SimulatedModel(id: "m", rpm: 0, rpd: 0, tpm: 100, tpd: 150), enforcement: .rollingWindow)
        guard case .success = meters.admit(tokens: 80, at: 0) else {
            Issue.record("first fits")
            return
        }
        guard case .failure(let minute) = meters.admit(tokens: 30, at: 1) else {
            Issue.record("TPM is full")
            return
        }
        #expect(minute.kind == .tpm && minute.limit == 100 && minute.used == 80 && minute.requested == 30)
        guard case .failure(let day) = meters.admit(tokens: 80, at: 61) else {
            Issue.record("TPD is full")
            return
        }
        #expect(day.kind == .tpd && day.wait > 80_000)
    }

    @Test(arguments: [(7.66, "7.66s"), (179.56, "2m59.56s"), (60.36, "1m0.36s"), (0.32, "320ms"), (3723, "1h2m3s"), (0, "0s")])
    func durationsAreWrittenAsGoWritesThem(seconds: Double, text: String) {
        #expect(GoDurationText.format(seconds) == text)
    }

    @Test func theTokenizerIsNotCharactersOverFour() {
        let text = "The quick brown fox jumps over the lazy dog, again and again, 1234567."
        #expect(SimTokenizer.count(text) != text.count / 4)
        #expect(SimTokenizer.count("hello") == 1)
        #expect(SimTokenizer.count("internationalization") == 4)
        #expect(SimTokenizer.count("a, b!") == 4)
        #expect(SimTokenizer.count("2026") == 2)
    }

    @Test func answersAreDeterministicAndRespectMaxTokens() {
        let first = CompletionGenerator.generate(model: "m", body: Array("x".utf8), maxTokens: 5)
        let second = CompletionGenerator.generate(model: "m", body: Array("x".utf8), maxTokens: 5)
        #expect(first.text == second.text && first.tokens <= 5)
        #expect(SimTokenizer.count(first.text) == first.tokens)
        let long = CompletionGenerator.generate(model: "m", body: Array("y".utf8), maxTokens: 10_000)
        #expect(long.finishReason == "stop" && SimTokenizer.count(long.text) == long.tokens)
    }
}
