import Foundation
import QueueStore
import Synchronization
import Testing

/// A staging batch is deleted only when its import is dead, and an import whose staging batch was
/// deleted anyway writes nowhere: it fails, and no job of it reaches any batch. On both stores.
struct StagingBatchLifeTests {
    func jobs(_ range: ClosedRange<Int>, prefix: String = "j") -> [NewJob] {
        range.map { StoreFixture.job($0, customID: "\(prefix)\($0)", models: ["m1"]) }
    }

    func spec(_ name: String) -> BatchSpec { BatchSpec(name: name, source: "t", models: ["m1"]) }

    @Test(arguments: StoreKind.allCases) func anImportWhoseStagingBatchWasDeletedFailsAndWritesIntoNoOtherBatch(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let store = fixture.store
            let now = Date()
            let long = now.addingTimeInterval(-700)
            try await fixture.addJobs(2, batch: "existing", prefix: "e")
            // A slow producer's imports, into a new batch and into an existing one, silent for 700 s.
            let slow = try await store.beginImport(spec("slow"), now: long)
            _ = try await store.stage(jobs(1...3), into: slow, now: long)
            let more = try await store.beginImport(spec("existing"), now: long)
            _ = try await store.stage(jobs(1...3, prefix: "m"), into: more, now: long)
            #expect(try await store.discardAbandonedImports(now: now) == 2)
            // Another import meanwhile: with SQLite reusing ids, it got the deleted batch's id.
            try await fixture.add(spec("other"), at: now, jobs(1...2, prefix: "o"))

            for staged in [slow, more] {
                await #expect(throws: ImportLost.self) { _ = try await store.stage(jobs(4...6), into: staged, now: now) }
                await #expect(throws: ImportLost.self) { try await store.beatImport(staged, now: now) }
                await #expect(throws: ImportLost.self) { try await store.commitImport(staged, now: now) }
            }
            #expect(
                try fixture.sql("SELECT b.name, COUNT(j.id) FROM batches b LEFT JOIN jobs j ON j.batch_id = b.id GROUP BY b.name ORDER BY b.name")
                    == "existing|2\nother|2")
            #expect(try fixture.sql("SELECT COUNT(*) FROM jobs") == "4")
        }
    }

    @Test(arguments: StoreKind.allCases) func aDeletedBatchsIdIsNeverGivenAgain(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let first = try await fixture.store.beginImport(spec("first"), now: Date())
            try await fixture.store.discardImport(first)
            let second = try await fixture.store.beginImport(spec("second"), now: Date())
            #expect(second.stagingBatchID > first.stagingBatchID)
            let now = Date()
            let dead = try await fixture.store.beginImport(spec("dead"), now: now.addingTimeInterval(-700))
            #expect(try await fixture.store.discardAbandonedImports(now: now) == 1)
            let third = try await fixture.store.beginImport(spec("third"), now: now)
            #expect(third.stagingBatchID > dead.stagingBatchID)
        }
    }

    @Test(arguments: StoreKind.allCases) func aCleanupKeepsAStagingBatchWhoseImportBeatAfterItWasFound(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let store = fixture.store
            let start = Date().addingTimeInterval(-700)
            let staged = try await store.beginImport(spec("alive"), now: start)
            _ = try await store.stage(jobs(1...5), into: staged, now: start)
            let engine = try #require(store as? any SQLQueueStore).engine
            // The import beats in a transaction held open while another process's cleanup runs: the
            // cleanup finds the heartbeat 700 s old, then waits for the write lock (SQLite) or the row
            // (PostgreSQL); by then the heartbeat is fresh, and the deletion must see it.
            // The other process opens its store first: opening migrates under the write lock, which the
            // beat is about to hold until the cleanup has started.
            try await fixture.withAnother { other in
                let held = DispatchSemaphore(value: 0)
                let beating = Mutex(false)
                let beat = Task {
                    try await engine.write { session in
                        try session.execute("UPDATE batches SET import_heartbeat = ? WHERE id = ?", [Date().timeIntervalSince1970, staged.stagingBatchID])
                        beating.withLock { $0 = true }
                        held.wait()
                    }
                }
                while !beating.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                let cleanup = Task { try await other.discardAbandonedImports(now: Date()) }
                try await Task.sleep(for: .seconds(2))
                held.signal()
                try await beat.value
                #expect(try await cleanup.value == 0)
            }
            #expect(try fixture.sql("SELECT COUNT(*) FROM jobs") == "5", "the import's jobs were deleted under it")
            _ = try await store.stage(jobs(6...7), into: staged, now: Date())
            try await store.commitImport(staged, now: Date())
            #expect(try fixture.sql("SELECT name, (SELECT COUNT(*) FROM jobs) FROM batches") == "alive|7")
        }
    }
}
