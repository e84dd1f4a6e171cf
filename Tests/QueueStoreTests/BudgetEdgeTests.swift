import Foundation
import QueueStore
import Scheduler
import Testing

/// Meters at the edges: limits as large as a provider may state.
struct BudgetEdgeTests {
    let provider = "https://api.example.test/openai/v1"

    @Test func aLimitNearIntMaxIsMeteredWithoutOverflow() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(4, models: ["m1"])
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: Int.max, .rpm: Int.max - 1])
        let context = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
        let now = Date()
        // The second claim reads a window that already holds the first one's spends.
        let first = try await fixture.store.claim(workerID: "w", limit: 2, leaseDuration: 60, batch: nil, now: now, budget: context)
        let second = try await fixture.store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: now, budget: context)
        #expect(first.jobs.count + second.jobs.count == 4)
    }
}
