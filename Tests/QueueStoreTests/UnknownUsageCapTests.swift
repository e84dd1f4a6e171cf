import Foundation
import QueueStore
import Scheduler
import Testing

/// A call whose usage nobody knows (a timeout, a 5xx) may have been served in full: its reservation stays
/// spent against the batch's caps and the day's, as it does on the meters. Only a call the provider
/// certainly did not process (a 4xx refusal, an unreachable provider) gives it back.
struct UnknownUsageCapTests {
    let provider = "https://api.example.test/openai/v1"

    /// How the call ended, as the worker observes it.
    enum Ending: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case timeout, serverError, refused
        var testDescription: String { rawValue }
    }

    /// $1 a token, so reserved and spent costs are whole numbers both databases print alike.
    var context: BudgetContext {
        BudgetContext(
            provider: provider,
            catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000, inputPrice: 1_000_000, outputPrice: 1_000_000)], source: .catalog),
            dailyTokenCap: 1_000_000, dailyCostCap: 1_000_000)
    }

    func observation(_ ending: Ending) -> ProviderObservation {
        var observation = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8)
        switch ending {
        case .timeout: observation.fromResponse = false
        case .serverError: break
        case .refused: observation.refused = true
        }
        return observation
    }

    @Test(arguments: StoreKind.allCases, Ending.allCases)
    func aCallWithUnknownUsageKeepsItsReservationAgainstTheCaps(kind: StoreKind, ending: Ending) async throws {
        try await QueueFixture.with(kind) { fixture in
            // Room for one job's reservation (32 output tokens and a few of prompt), not two.
            try await fixture.add(
                BatchSpec(name: "b", source: "test", models: ["m1"], tokenCap: 60, costCap: 1_000),
                (1...2).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
            try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.rpm: 1_000, .tpm: 1_000_000], now: Date())
            let start = Date()
            let claimed = try await fixture.store.claim(workerID: "w", limit: 5, leaseDuration: 60, batch: nil, now: start, budget: context)
            let job = try #require(claimed.jobs.first)
            #expect(claimed.jobs.count == 1)
            let reservation = try fixture.sql("SELECT reserved_tokens, CAST(reserved_cost AS INTEGER) FROM jobs WHERE id = \(job.id)")
            let reservedTokens = try #require(Int(reservation.split(separator: "|").first ?? ""))
            #expect(reservedTokens > 30 && reservedTokens <= 60, "the cap holds one reservation, not two: \(reservation)")

            let status = ending == .refused ? 400 : 503
            let disposition = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: job.id,
                        attempt: AttemptRecord(
                            model: "m1", startedAt: start, finishedAt: start, httpStatus: ending == .timeout ? nil : status, outcome: .retry),
                        transition: .retry(at: start.addingTimeInterval(1), code: "\(ending)", message: "\(ending)", counted: ending != .refused),
                        observation: observation(ending), claimToken: job.claimToken)
                ], workerID: "w", now: start.addingTimeInterval(1))
            #expect(disposition == [.applied])
            #expect(try fixture.sql("SELECT reserved_tokens FROM jobs WHERE id = \(job.id)") == "0", "the reservation is settled")
            let spent = try fixture.sql("SELECT spent_tokens, CAST(spent_cost AS INTEGER) FROM batches")
            let day = try fixture.sql("SELECT tokens, CAST(cost AS INTEGER) FROM usage_days")
            let next = try await fixture.store.claim(
                workerID: "w", limit: 5, leaseDuration: 60, batch: nil, now: start.addingTimeInterval(2), budget: context)
            if ending == .refused {
                #expect(spent == "0|0", "a refused call is given back to the batch's caps")
                #expect(day == "0|0", "and to the day's")
                #expect(next.jobs.count == 1, "so the next job fits the cap")
            } else {
                #expect(spent == reservation, "the batch's caps keep the reservation of a call that may have been served")
                #expect(day == reservation, "so do the day's")
                #expect(next.jobs.isEmpty, "and the batch's token cap holds no second job")
                #expect(try fixture.sql("SELECT paused FROM batches").hasPrefix("token cap 60 reached"))
            }
        }
    }
}
