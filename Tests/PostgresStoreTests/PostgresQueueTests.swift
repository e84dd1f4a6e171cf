import Foundation
import PostgresNIO
import PostgresStore
import QueueStore
import TestSupport
import Testing

/// Claims and leases on a PostgreSQL queue shared by several workers, each with a pool of its own.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct PostgresQueueTests {
    static func fill(_ store: PostgresJobStore, _ count: Int, batch: String = "b", priority: (Int) -> Int? = { _ in nil }) async throws {
        let staged = try await store.beginImport(BatchSpec(name: batch, source: "t", models: ["m1"]), now: Date())
        _ = try await store.stage(
            (1...count).map {
                NewJob(
                    line: $0, customID: "j\($0)", requestJSON: #"{"messages":[{"content":"prompt \#($0)","role":"user"}]}"#, models: ["m1"],
                    promptCharacters: 8, maxTokens: 32, priority: priority($0))
            }, into: staged)
        try await store.commitImport(staged)
    }

    @Test func fourWorkersOnFourPoolsNeverClaimTheSameJob() async throws {
        try await PostgresImportTests.withStore { store, url in
            try await Self.fill(store, 400, priority: { $0 % 4 == 0 ? 1 : nil })
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        let mine = try await PostgresJobStore(url: url, logger: PostgresTestServer.logger)
                        var ids: [Int64] = []
                        while true {
                            let jobs = try await mine.claim(workerID: "w\(worker)", limit: 7, leaseDuration: 60, batch: nil)
                            if jobs.isEmpty { break }
                            ids += jobs.map(\.id)
                        }
                        await mine.shutdown()
                        return ids
                    }
                }
                return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 400 && Set(all).count == 400, "every job claimed once: \(all.count) claims, \(Set(all).count) distinct")
            #expect(claims.filter { !$0.isEmpty }.count >= 2, "the workers shared the queue: \(claims.map(\.count))")
            #expect(try await store.countsByStatus(batch: nil) == [.running: 400])
        }
    }

    @Test func claimsComeInPriorityOrderAndLeasesAreRenewedOrComeBack() async throws {
        try await PostgresImportTests.withStore { store, _ in
            try await Self.fill(store, 6, priority: { $0 == 5 ? 9 : nil })
            let now = Date()
            let first = try await store.claim(workerID: "a", limit: 3, leaseDuration: 30, batch: nil, now: now)
            #expect(first.map(\.customID) == ["j5", "j1", "j2"])
            #expect(
                first.allSatisfy {
                    $0.claimToken != nil && $0.models == ["m1"] && $0.maxTokens == 32 && abs($0.leaseExpiresAt.timeIntervalSince(now) - 30) < 0.01
                })
            _ = try await store.claim(workerID: "b", limit: 2, leaseDuration: 30, batch: nil, now: now)
            try await store.registerWorker(id: "a", host: "h", pid: 1, now: now)
            #expect(try await store.renewLeases(workerID: "a", leaseDuration: 120, now: now.addingTimeInterval(20)) == 3)
            // Past b's lease but within a's renewed one: b's jobs come back, a's stay.
            let before = try await store.changeCounter()
            #expect(try await store.recoverExpiredLeases(now: now.addingTimeInterval(60), sparing: nil) == 2)
            #expect(try await store.changeCounter() == before + 1)
            #expect(try await store.countsByStatus(batch: "b") == [.running: 3, .queued: 3])
            #expect(try await store.nextWakeTime() != nil)
            let again = try await store.claim(workerID: "c", limit: 10, leaseDuration: 30, batch: "b", now: now.addingTimeInterval(61))
            #expect(again.map(\.customID) == ["j3", "j4", "j6"])
            #expect(try await store.claim(workerID: "c", limit: 10, leaseDuration: 30, batch: "other", now: now.addingTimeInterval(61)).isEmpty)
        }
    }

    @Test func anIdleWorkerIsWokenByAnotherHostsImportNotByItsPoll() async throws {
        try await PostgresImportTests.withStore { store, url in
            let importer = try await PostgresJobStore(url: url, logger: PostgresTestServer.logger)
            // The first wait starts the listener, whose connecting wakes it once.
            await store.waitForChange(timeout: 5)
            let started = ContinuousClock.now
            async let woken: Void = store.waitForChange(timeout: 120)
            try await Task.sleep(for: .milliseconds(300))
            try await Self.fill(importer, 3)
            await woken
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(60), "the import's NOTIFY ended a 120 s wait after \(waited)")
            #expect(try await store.unfinishedCount(batch: nil) == 3)
            await importer.shutdown()
        }
    }
}
