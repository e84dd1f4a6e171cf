import Foundation
import QueueStore
import Testing

struct ClaimTests {
    @Test func claimsInPriorityOrderThenAgeWithALease() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(3, prefix: "low")
        try fixture.addJobs(2, batch: "urgent", prefix: "high", priority: 9)
        let now = Date()
        let claimed = try await fixture.store.claim(workerID: "w1", limit: 4, leaseDuration: 60, batch: nil, now: now)
        #expect(claimed.map(\.customID) == ["high1", "high2", "low1", "low2"])
        #expect(claimed.allSatisfy { abs($0.leaseExpiresAt.timeIntervalSince(now) - 60) < 0.001 })
        #expect(claimed.first?.model == "m1")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs WHERE status = 'running' AND lease_owner = 'w1'") == "4")
        let rest = try await fixture.store.claim(workerID: "w2", limit: 10, leaseDuration: 60, batch: nil, now: now)
        #expect(rest.map(\.customID) == ["low3"])
    }

    @Test func aBatchFilterClaimsOnlyThatBatch() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(2, batch: "a")
        try fixture.addJobs(2, batch: "b2", priority: 5)
        let claimed = try await fixture.store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: "a", now: Date())
        #expect(Set(claimed.map(\.batchID)).count == 1)
        #expect(claimed.count == 2)
    }

    @Test func twoConnectionsRacingToClaimNeverShareAJob() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(600)
        let other = try SQLiteJobStore(path: fixture.path)
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (index, store) in [fixture.store, other, fixture.store, other].enumerated() {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await store.claim(workerID: "w\(index)", limit: 7, leaseDuration: 60, batch: nil, now: Date())
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == 600)
        #expect(Set(all).count == 600)
        #expect(claims.filter { !$0.isEmpty }.count >= 2, "both connections should have won some claims")
    }
}
