import Foundation
import Testing

@testable import QueueStore
@testable import Worker

/// The claim loop's decisions, one step at a time.
struct ClaimLoopStateTests {
    func claimed(_ count: Int, wakeAt: Date? = nil, paused: Set<Int64> = [], dayCap: Bool = false) -> ClaimResult {
        let jobs = (0..<count).map { index in
            ClaimedJob(
                id: Int64(index), batchID: 1, customID: "j\(index)", priority: 0, requestJSON: "{}", models: ["m"], modelIndex: 0,
                attempts: 0, modelAttempts: 0, maxAttempts: 5, promptCharacters: 1, maxTokens: 1, leaseExpiresAt: Date())
        }
        return ClaimResult(jobs: jobs, wakeAt: wakeAt, tooLarge: 0, pausedBatches: paused, dayCapReached: dayCap)
    }

    @Test func theLimitIsTheFreeSlotsWithinMaxJobsAndOneWhileProbing() {
        var state = ClaimLoopState()
        state.inFlight = 10
        state.claimed = 95
        #expect(state.claimLimit(concurrency: 16, maxJobs: nil, probing: false) == 6)
        #expect(state.claimLimit(concurrency: 16, maxJobs: 100, probing: false) == 5)
        #expect(state.claimLimit(concurrency: 16, maxJobs: nil, probing: true) == 1)
    }

    @Test func aClaimIsWorthItsTransactionOnceEnoughSlotsAreFree() {
        var state = ClaimLoopState()
        #expect(state.wantsClaim(concurrency: 16, refillBatch: 2), "nothing runs")
        state.inFlight = 15
        #expect(!state.wantsClaim(concurrency: 16, refillBatch: 2))
        state.inFlight = 14
        #expect(state.wantsClaim(concurrency: 16, refillBatch: 2))
    }

    @Test func aShortClaimRemembersWhenToLookAgainAndAFinishedCallForgetsIt() {
        var state = ClaimLoopState()
        let wake = Date().addingTimeInterval(30)
        let news = state.absorb(claimed(3, wakeAt: wake, paused: [7]), asked: 8, counterBeforeClaim: 41)
        #expect(news == false)
        #expect(state.inFlight == 3 && state.claimed == 3 && state.capped == [7])
        #expect(state.idleSince?.counter == 41 && state.idleSince?.wake == wake)
        state.finished(freesBudget: false)
        #expect(state.inFlight == 2 && state.idleSince == nil)
        _ = state.absorb(claimed(4), asked: 4, counterBeforeClaim: 42)
        #expect(state.idleSince == nil, "a full claim: work flows")
    }

    @Test func aFinishedCallLeavesANearWakeWhenOnlyTimeLetsTheWaitingJobsGo() {
        var state = ClaimLoopState()
        let now = Date()
        let wake = now.addingTimeInterval(0.5)
        var paced = claimed(3, wakeAt: wake)
        paced.finishesMayAdmit = false
        _ = state.absorb(paced, asked: 8, counterBeforeClaim: 5)
        state.finished(freesBudget: false, at: now)
        #expect(state.idleSince?.wake == wake, "requests per minute come back with time, not with an answer")
        state.finished(freesBudget: true, at: now)
        #expect(state.idleSince == nil, "a job back in the queue, or requests given back, are looked at again")
        var far = claimed(1, wakeAt: now.addingTimeInterval(30))
        far.finishesMayAdmit = false
        _ = state.absorb(far, asked: 8, counterBeforeClaim: 6)
        state.finished(freesBudget: false, at: now)
        #expect(state.idleSince == nil, "a wake a while away: a claim per answer is cheap, and headers may have raised a limit")
        var tokens = claimed(1, wakeAt: wake)
        tokens.finishesMayAdmit = true
        _ = state.absorb(tokens, asked: 8, counterBeforeClaim: 7)
        state.finished(freesBudget: false, at: now)
        #expect(state.idleSince == nil, "a settled reservation may give tokens back")
    }

    @Test func theDaysCapIsNewsOnce() {
        var state = ClaimLoopState()
        var news: [Bool] = []
        for claim in [claimed(0, dayCap: true), claimed(0, dayCap: true), claimed(1), claimed(0, dayCap: true)] {
            news.append(state.absorb(claim, asked: 4, counterBeforeClaim: 1))
        }
        #expect(news == [true, false, false, true], "said once, and again when capped again after a new day")
    }
}
