import Foundation
import QueueStore
import Scheduler
import Testing

/// Imports in chunks: staged jobs are out of every worker's sight until the import commits, and a
/// withdrawn, conflicting or abandoned import leaves the queue as it was.
struct StagedImportTests {
    let provider = "https://api.example.test/openai/v1"

    var context: BudgetContext {
        BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
    }

    func jobs(_ range: ClosedRange<Int>) -> [NewJob] {
        range.map { StoreFixture.job($0, customID: "j\($0)", models: ["m1"]) }
    }

    func claimed(_ store: SQLiteJobStore) async throws -> [String] {
        let plain = try await store.claim(workerID: "w", limit: 100, leaseDuration: 60, batch: nil, now: Date())
        let budgeted = try await store.claim(workerID: "w", limit: 100, leaseDuration: 60, batch: nil, now: Date(), budget: context)
        return (plain + budgeted.jobs).map(\.customID).sorted()
    }

    @Test func stagedJobsAreSeenByNoClaimUntilTheImportCommits() async throws {
        let fixture = try StoreFixture()
        let staged = try await fixture.store.beginImport(BatchSpec(name: "new", source: "t", models: ["m1"]))
        #expect(try await fixture.store.stage(jobs(1...3), into: staged) == [.inserted, .inserted, .inserted])
        #expect(try await claimed(fixture.store).isEmpty, "a claim took a job of an import still under way")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM batch_progress") == "0")
        var batchAPI = BatchSpec(name: "remote", source: "t", models: ["m1"])
        batchAPI.via = .batchAPI
        let remote = try await fixture.store.beginImport(batchAPI)
        _ = try await fixture.store.stage(jobs(1...3), into: remote)
        #expect(try await fixture.store.hasRemoteWork(provider: provider) == false)
        #expect(try await fixture.store.prepareRemoteBatches(provider: provider, workerID: "w", maxLines: 10, maxBytes: 1 << 20, leaseDuration: 60) == 0)

        try await fixture.store.commitImport(staged)
        #expect(try await claimed(fixture.store) == ["j1", "j2", "j3"])
        #expect(try fixture.sqlite3("SELECT batch, total FROM batch_progress") == "new|3")
    }

    @Test func jobsStagedForAnExistingBatchJoinItOnCommitAndRepeatsAreAlreadyPresent() async throws {
        let fixture = try StoreFixture()
        _ = try fixture.store.importJobs(into: BatchSpec(name: "b", source: "t", models: ["m1"])) { sink in
            for job in jobs(1...2) { _ = try sink.add(job) }
        }
        let staged = try await fixture.store.beginImport(BatchSpec(name: "b", source: "t2", models: ["m1"]))
        #expect(try await fixture.store.stage(jobs(2...4), into: staged) == [.alreadyPresent, .inserted, .inserted])
        #expect(try await fixture.store.stage([StoreFixture.job(9, customID: "j3", models: ["m1"])], into: staged) == [.duplicate(ofLine: 3)])
        #expect(try await claimed(fixture.store) == ["j1", "j2"], "only the jobs in sight")
        try await fixture.store.commitImport(staged)
        #expect(
            try fixture.sqlite3("SELECT COUNT(*), group_concat(custom_id) FROM jobs WHERE batch_id = (SELECT id FROM batches WHERE name = 'b')")
                == "4|j1,j2,j3,j4")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM batches") == "1", "the staging batch is gone")
        #expect(try await claimed(fixture.store) == ["j3", "j4"])
    }

    @Test func aWithdrawnImportLeavesTheQueueAsItWas() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(3)
        let query = "SELECT COUNT(*), group_concat(custom_id), (SELECT group_concat(name) FROM batches), (SELECT counter FROM queue_changes) FROM jobs"
        let before = try fixture.sqlite3(query)
        for name in ["b", "new"] {
            let staged = try await fixture.store.beginImport(BatchSpec(name: name, source: "t", models: ["m1"]))
            _ = try await fixture.store.stage(jobs(1...20_500), into: staged)
            try await fixture.store.discardImport(staged)
            #expect(try fixture.sqlite3(query) == before)
        }
    }

    @Test func aSecondImportOfABatchBeingCreatedIsRefusedClearly() async throws {
        let fixture = try StoreFixture()
        let first = try await fixture.store.beginImport(BatchSpec(name: "new", source: "t", models: ["m1"]))
        await #expect(throws: ImportConflict.self) {
            _ = try await fixture.store.beginImport(BatchSpec(name: "new", source: "t", models: ["m1"]))
        }
        try await fixture.store.commitImport(first)
        let second = try await fixture.store.beginImport(BatchSpec(name: "new", source: "t", models: ["m1"]))
        #expect(second.targetBatchID == first.stagingBatchID, "once in sight, the batch takes more jobs")
    }

    @Test func theStagingBatchOfAnImportThatDiedIsDeletedOnceItsHeartbeatStops() async throws {
        let fixture = try StoreFixture()
        let now = Date()
        let dead = try await fixture.store.beginImport(BatchSpec(name: "dead", source: "t", models: ["m1"]), now: now.addingTimeInterval(-700))
        _ = try await fixture.store.stage(jobs(1...5), into: dead, now: now.addingTimeInterval(-650))
        let alive = try await fixture.store.beginImport(BatchSpec(name: "alive", source: "t", models: ["m1"]), now: now.addingTimeInterval(-700))
        _ = try await fixture.store.stage(jobs(1...5), into: alive, now: now.addingTimeInterval(-10))
        #expect(try await fixture.store.discardAbandonedImports(now: now) == 1)
        #expect(try fixture.sqlite3("SELECT group_concat(name), (SELECT COUNT(*) FROM jobs) FROM batches") == "alive|5")
    }
}
