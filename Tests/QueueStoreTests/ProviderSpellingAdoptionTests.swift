import Foundation
import QueueStore
import Scheduler
import Testing

/// A queue from before provider keys were normalized: what it learned under an older spelling of the
/// base URL counts for the provider's key once a worker starts.
struct ProviderSpellingAdoptionTests {
    @Test(arguments: StoreKind.allCases) func limitsAndTheModelListRecordedUnderAnOlderSpellingCountForTheKey(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let older = "http://LOCALHOST:8089/openai/v1/"
            let key = ProviderKey(older).rawValue
            #expect(key == "http://127.0.0.1:8089/openai/v1")
            let now = Date()
            try await fixture.store.setLimits(provider: older, model: "m1", limits: [.rpm: 600], now: now)
            try await fixture.store.setLimits(provider: older, model: "m2", limits: [.rpm: 5], now: now)
            // The key already has its own m2 meter: it stays, and so does the older one.
            try await fixture.store.setLimits(provider: key, model: "m2", limits: [.rpm: 50], now: now)
            _ = try await fixture.store.refreshProviderModels(
                provider: older, listed: [ProviderModel(id: "m1", contextWindow: 8192, maxOutput: 1024, ownedBy: "x")], catalogIDs: [], now: now)

            #expect(try await fixture.store.adoptProviderSpellings(key) == [older])
            #expect(try await fixture.store.providerModels(provider: key).map(\.id) == ["m1"])
            #expect(
                try fixture.sql("SELECT provider, model, limit_value FROM budgets WHERE kind = 'rpm' ORDER BY model, provider")
                    == "\(key)|m1|600\n\(key)|m2|50\n\(older)|m2|5")
            #expect(try await fixture.store.adoptProviderSpellings(key).isEmpty, "the older m2 meter is left where it was")
            #expect(try await fixture.store.adoptProviderSpellings("https://gateway.example/openai/v1").isEmpty)
        }
    }
}
