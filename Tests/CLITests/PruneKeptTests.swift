import QueueStore
import Testing

@testable import groqbatch

/// What `prune` says of a finished batch it kept for its open remote batch: which batch, which remote
/// batch at the provider, and what ends it.
struct PruneKeptTests {
    @Test func aKeptBatchNamesItsRemoteBatchAndTheWorkerThatCancelsItAtTheProvider() {
        let line = PruneCommand.describe(
            .init(batch: "tickets", localID: "gb-1", remoteBatchID: "batch_01", state: .submitted, provider: "https://api.groq.com/openai/v1"))
        #expect(
            line
                == "kept batch 'tickets': remote batch batch_01 (gb-1) is submitted; it may still run (and bill) at the provider: a worker (groqbatch work --base-url https://api.groq.com/openai/v1) cancels it there, then prune deletes the batch"
        )
        let collecting = PruneCommand.describe(.init(batch: "t", localID: "gb-2", remoteBatchID: nil, state: .collecting, provider: "p"))
        #expect(collecting == "kept batch 't': remote batch gb-2 is collecting; a worker is writing back its answers, then prune deletes the batch")
    }
}
