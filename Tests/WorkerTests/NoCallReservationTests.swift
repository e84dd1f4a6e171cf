import Foundation
import Logging
import QueueStore
import Scheduler
import Testing
import Worker

/// A job the worker ends without a call gives its claim's reservation back: the meters and the
/// batch's cap count only what was spent.
struct NoCallReservationTests {
    @Test func aPromptThatCannotBeFittedReleasesItsReservation() async throws {
        let fixture = try await WorkerFixture()
        // --truncate lets admission pass it on; the worker then finds even the system message too long
        // for sim/tiny's 48-token window and fails the job without a call.
        let system = String(repeating: "rules ", count: 60)
        _ = try fixture.store.importJobs(into: BatchSpec(name: "b", source: "test", models: [WorkerFixture.tiny], tokenCap: 100_000)) { sink in
            _ = try sink.add(
                NewJob(
                    line: 1, customID: "long",
                    requestJSON: #"{"max_tokens":8,"messages":[{"content":"\#(system)","role":"system"},{"content":"hi","role":"user"}]}"#,
                    models: [WorkerFixture.tiny], promptCharacters: system.count + 2, maxTokens: 8, truncate: true))
        }
        try await fixture.store.setLimits(provider: fixture.simulator.baseURL, model: WorkerFixture.tiny, limits: [.tpm: 1_000_000])
        var configuration = WorkerFixture.configuration(concurrency: 1)
        configuration.budget = BudgetContext(
            provider: fixture.simulator.baseURL,
            catalog: ModelCatalog(entries: [.init(id: WorkerFixture.tiny, contextWindow: 48, maxOutput: 32)], source: .catalog))
        _ = try await fixture.runWorker(configuration)
        await fixture.stop()
        #expect(try fixture.sql("SELECT status, error_code FROM jobs") == "failed|context_length_exceeded")
        #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "0", "no call was made")
        #expect(try fixture.sql("SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(open), 0) FROM budget_spends") == "0|0", "the meters hold nothing for it")
        #expect(try fixture.sql("SELECT spent_tokens FROM batches") == "0", "nor does the batch's cap")
    }
}
