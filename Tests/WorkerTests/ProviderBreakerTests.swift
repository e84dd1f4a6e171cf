import Foundation
import Testing

@testable import Worker

/// The outage circuit breaker and the database backoff, step by step with given instants.
struct ProviderBreakerTests {
    let start = Date(timeIntervalSince1970: 1_000_000)
    func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    @Test func anOutageOpensOnceProbesWithGrowingPausesAndClosesOnAnyAnswer() {
        var breaker = ProviderBreaker(giveUpAfter: 3600)
        #expect(breaker.allowance(at: at(0)) == .all)
        #expect(breaker.unreachable(at: at(0)) == .opened)
        #expect(breaker.unreachable(at: at(0.1)) == nil, "calls already out when it began change nothing")
        #expect(breaker.allowance(at: at(1)) == .none(until: at(2)))
        #expect(breaker.allowance(at: at(2)) == .probe)
        #expect(breaker.allowance(at: at(2.5)) != .probe, "one probe at a time")
        // The probe fails: the next waits twice as long, and so on up to a minute.
        #expect(breaker.unreachable(at: at(3)) == nil)
        #expect(breaker.peek(at: at(6.9)) == .none(until: at(7)))
        var now = 7.0
        var pauses: [Double] = []
        for _ in 0..<8 {
            #expect(breaker.allowance(at: at(now)) == .probe)
            _ = breaker.unreachable(at: at(now))
            guard case .none(let until) = breaker.peek(at: at(now)) else {
                Issue.record("closed")
                return
            }
            pauses.append(until.timeIntervalSince(at(now)))
            now = until.timeIntervalSince(start)
        }
        #expect(pauses == [8, 16, 32, 60, 60, 60, 60, 60])
        #expect(breaker.allowance(at: at(now)) == .probe)
        #expect(breaker.reached(at: at(now + 1)) == .closed(after: now + 1), "any answer ends the outage, measured from its start")
        #expect(breaker.allowance(at: at(now + 1)) == .all)
    }

    @Test func anUnusedProbeIsGivenBackAndTheOutageGivesUpOnlyAfterItsTime() {
        var breaker = ProviderBreaker(giveUpAfter: 600)
        _ = breaker.unreachable(at: at(0))
        #expect(breaker.allowance(at: at(2)) == .probe)
        breaker.probeUnused(at: at(2))
        #expect(breaker.allowance(at: at(2)) == .probe, "no job was there to probe with: the next claim may")
        #expect(!breaker.givesUp(at: at(599)))
        #expect(breaker.givesUp(at: at(600)))
        _ = breaker.reached(at: at(601))
        #expect(!breaker.givesUp(at: at(10_000)))
    }

    @Test func aBusyDatabaseBacksOffAndIsLoggedOnceEachWay() {
        var weather = DatabaseWeather()
        #expect(weather.mayTry(at: at(0)))
        #expect(weather.failed(at: at(0)) == true, "the first failure is the one to log")
        #expect(weather.failed(at: at(0.1)) == false)
        #expect(!weather.mayTry(at: at(0.2)) && weather.mayTry(at: at(0.31)), "the second pause is twice the first")
        for step in 0..<20 { _ = weather.failed(at: at(Double(step))) }
        #expect(weather.retryAt == at(19 + DatabaseWeather.longestPause))
        #expect(weather.succeeded(at: at(30)) == 30)
        #expect(weather.succeeded(at: at(31)) == nil, "logged once when it ends")
        #expect(weather.mayTry(at: at(31)))
    }
}
