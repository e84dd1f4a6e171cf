import Foundation
import QueueStore
import TestSupport
import Testing

/// prune, backup and vacuum on real files.
struct MaintenanceTests {
    /// Adds a batch of `count` jobs and finishes them all (succeeded, with attempts and results) at `at`.
    func finishedBatch(_ fixture: StoreFixture, _ name: String, _ count: Int, at: Date) async throws {
        try fixture.addJobs(count, batch: name, prefix: name, now: at)
        let jobs = try await fixture.store.claim(workerID: "w", limit: count, leaseDuration: 60, batch: name, now: at)
        _ = try await fixture.store.record(
            jobs.map { JobOutcome(jobID: $0.id, attempt: StoreFixture.attempt(at: at), transition: .succeed(StoreFixture.result())) },
            workerID: "w", now: at)
    }

    @Test func pruneDeletesOnlyOldFinishedBatchesInBoundedSlices() async throws {
        let fixture = try StoreFixture()
        let old = Date().addingTimeInterval(-40 * 86_400)
        try await finishedBatch(fixture, "old", 25, at: old)
        try await finishedBatch(fixture, "recent", 5, at: Date())
        try fixture.addJobs(3, batch: "waiting", prefix: "w", now: old)
        let cutoff = Date().addingTimeInterval(-30 * 86_400)

        let dry = try await fixture.store.prune(finishedBefore: cutoff, dryRun: true)
        #expect(dry.batches == ["old"] && dry.jobs == 25 && dry.transactions == 0)
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs") == "33", "a dry run deletes nothing")

        let done = try await fixture.store.prune(finishedBefore: cutoff, slice: 10)
        #expect(done.batches == ["old"] && done.jobs == 25)
        #expect(done.transactions == 4, "three slices of at most 10, then the batch row")
        #expect(try fixture.sqlite3("SELECT name FROM batches ORDER BY name") == "recent\nwaiting")
        #expect(
            try fixture.sqlite3("SELECT (SELECT COUNT(*) FROM jobs) || '/' || (SELECT COUNT(*) FROM attempts) || '/' || (SELECT COUNT(*) FROM results)")
                == "8/5/5")
    }

    @Test func aBatchRetriedWhilePruningIsLeftWithWhatItStillHas() async throws {
        let fixture = try StoreFixture()
        let old = Date().addingTimeInterval(-40 * 86_400)
        try fixture.addJobs(6, batch: "old", now: old)
        _ = try await fixture.store.cancel(batch: "old", now: old)
        var requeued = false
        let summary = try await fixture.store.prune(finishedBefore: Date().addingTimeInterval(-86_400), slice: 2) { _ in
            // Another process retries the batch between two slices.
            if !requeued { requeued = (try? fixture.sqlite3("UPDATE jobs SET status = 'queued', finished_at = NULL WHERE status = 'cancelled'")) != nil }
        }
        #expect(summary.jobs == 2 && summary.batches.isEmpty, "the first slice went, then the retry stopped it")
        #expect(try fixture.sqlite3("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|4")
    }

    @Test func backupWhileWritingIsAConsistentUsableQueue() async throws {
        let fixture = try StoreFixture()
        try await finishedBatch(fixture, "done", 500, at: Date())
        let writer = Task {
            for round in 0..<20 {
                try fixture.addJobs(200, batch: "live", prefix: "r\(round)-")
            }
        }
        let copy = fixture.directory.path("copy.sqlite")
        try await fixture.store.backup(to: copy)
        try await writer.value
        #expect(!FileManager.default.fileExists(atPath: copy + ".partial"))
        let attributes = try FileManager.default.attributesOfItem(atPath: copy)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let sqlite = { (query: String) in try SQLiteShell.run([copy, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sqlite("PRAGMA integrity_check") == "ok")
        #expect(try sqlite("SELECT COUNT(*) FROM results") == "500")
        let live = try #require(Int(try sqlite("SELECT COUNT(*) FROM jobs WHERE custom_id LIKE 'r%'")))
        #expect(live % 200 == 0, "a snapshot holds whole imports only, got \(live)")
        let reopened = try SQLiteJobStore(path: copy)
        #expect(try await reopened.appliedMigrations() == PackagePaths.migrationNumbers)
    }

    @Test func vacuumGivesBackWhatPruneFreed() async throws {
        let fixture = try StoreFixture()
        try await finishedBatch(fixture, "big", 3000, at: Date().addingTimeInterval(-10 * 86_400))
        _ = try await fixture.store.prune(finishedBefore: Date())
        let sizes = try await fixture.store.vacuum()
        #expect(sizes.after < sizes.before)
    }
}
