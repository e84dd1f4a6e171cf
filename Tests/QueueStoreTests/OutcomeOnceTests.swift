import Foundation
import QueueStore
import Scheduler
import Testing

/// A commit whose acknowledgement was lost is written again by the worker (the recorder retries a closed
/// connection): the same outcome, for the same claim, must count once.
struct OutcomeOnceTests {
    let provider = "https://api.example.test/openai/v1"

    var context: BudgetContext {
        BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
    }

    @Test(arguments: StoreKind.allCases) func anOutcomeWrittenAgainAfterALostCommitAcknowledgementCountsOnce(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await fixture.add(
                BatchSpec(name: "b", source: "test", models: ["m1"], tokenCap: 100_000),
                (1...2).map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) })
            let start = Date()
            let claim = try await fixture.store.claim(workerID: "w1", limit: 2, leaseDuration: 60, batch: nil, now: start, budget: context)
            try #require(claim.jobs.count == 2)
            let (answered, retried) = (claim.jobs[0], claim.jobs[1])
            let served = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, promptTokens: 6, totalTokens: 23)
            let failed = ProviderObservation(provider: provider, model: "m1", promptCharacters: 8, refused: true)
            let outcomes = [
                JobOutcome(
                    jobID: answered.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "once")),
                    observation: served, claimToken: answered.claimToken),
                JobOutcome(
                    jobID: retried.id, attempt: StoreFixture.attempt(outcome: .retry),
                    transition: .retry(at: start.addingTimeInterval(5), code: "http_500", message: "again", counted: true),
                    observation: failed, claimToken: retried.claimToken),
            ]
            #expect(try await fixture.store.record(outcomes, workerID: "w1", now: start.addingTimeInterval(1)) == [.applied, .applied])
            // The commit landed but its acknowledgement did not: the recorder writes the same group again.
            #expect(try await fixture.store.record(outcomes, workerID: "w1", now: start.addingTimeInterval(2)) == [.applied, .applied])

            #expect(try fixture.sql("SELECT job_id, COUNT(*) FROM attempts GROUP BY job_id ORDER BY job_id") == "\(answered.id)|1\n\(retried.id)|1")
            #expect(try fixture.sql("SELECT attempts FROM jobs WHERE id = \(retried.id)") == "1", "the retry counted one try")
            #expect(try fixture.sql("SELECT spent_tokens FROM batches") == "23", "23 used, 23 spent")
            #expect(try fixture.sql("SELECT SUM(tokens) FROM usage_days") == "23")
            #expect(try fixture.sql("SELECT samples FROM token_estimates") == "1", "the estimator learned from the answer once")
            #expect(try fixture.sql("SELECT COUNT(*) FROM results") == "1")
        }
    }
}
