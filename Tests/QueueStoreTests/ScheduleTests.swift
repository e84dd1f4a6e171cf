import Foundation
import QueueStore
import TestSupport
import Testing

/// Deadlines and start times of batches, and the migration that brought `expired`.
struct ScheduleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func importBatch(_ fixture: StoreFixture, _ count: Int, notBefore: Date? = nil, deadline: Date? = nil) throws {
        _ = try fixture.store.importJobs(
            into: BatchSpec(name: "night", source: "test", models: ["m1"], notBefore: notBefore, deadline: deadline), now: start
        ) { sink in
            for n in 1...count { _ = try sink.add(StoreFixture.job(n, customID: "j\(n)", models: ["m1"])) }
        }
    }

    func claim(_ fixture: StoreFixture, at now: Date, limit: Int = 10) async throws -> [ClaimedJob] {
        try await fixture.store.claim(workerID: "w", limit: limit, leaseDuration: 600, batch: nil, now: now)
    }

    @Test func nothingStartsBeforeNotBeforeAndNothingQueuedOutlivesTheDeadline() async throws {
        let fixture = try StoreFixture()
        try importBatch(fixture, 4, notBefore: start.addingTimeInterval(3600), deadline: start.addingTimeInterval(7200))
        #expect(try await claim(fixture, at: start.addingTimeInterval(3599)).isEmpty)
        let running = try await claim(fixture, at: start.addingTimeInterval(3600), limit: 2)
        #expect(running.count == 2)
        // One finishes before the deadline; the other is still running when it passes.
        _ = try await fixture.store.record(
            [JobOutcome(jobID: running[0].id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()))],
            workerID: "w", now: start.addingTimeInterval(3700))
        #expect(try await claim(fixture, at: start.addingTimeInterval(7200)).isEmpty, "no job starts at the deadline")
        #expect(try await fixture.store.countsByStatus(batch: nil) == [.succeeded: 1, .running: 1, .expired: 2])
        // The running one is not cut off; its retry after the deadline expires it, with its last error kept.
        _ = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: running[1].id, attempt: StoreFixture.attempt(outcome: .retry),
                    transition: .retry(at: start.addingTimeInterval(7300), code: "server_error", message: "503"))
            ],
            workerID: "w", now: start.addingTimeInterval(7250))
        #expect(try await fixture.store.expireOverdue(now: start.addingTimeInterval(7260)) == 1)
        #expect(try await fixture.store.countsByStatus(batch: nil) == [.succeeded: 1, .expired: 3])
        #expect(try fixture.sqlite3("SELECT status, error_code FROM jobs WHERE id = \(running[1].id)") == "expired|server_error")
        #expect(try fixture.sqlite3("SELECT expired, succeeded, deadline FROM batch_progress") == "3|1|2027-01-15 10:00:00")
    }

    @Test func exportSaysExpiredAndRetryRequeuesUnderANewDeadline() async throws {
        let fixture = try StoreFixture()
        try importBatch(fixture, 2, deadline: start.addingTimeInterval(60))
        #expect(try await fixture.store.expireOverdue(now: start.addingTimeInterval(61)) == 2)
        var errors: [String] = []
        try await fixture.store.exportRows(batch: "night") { row in errors.append(row.effectiveError?.code ?? "-") }
        #expect(errors == ["expired", "expired"])
        let later = start.addingTimeInterval(120)
        #expect(try await fixture.store.requeue([.expired], batch: "night", newDeadline: later.addingTimeInterval(600), now: later) == 2)
        #expect(try await fixture.store.expireOverdue(now: later.addingTimeInterval(1)) == 0, "the new deadline holds")
        #expect(try await claim(fixture, at: later.addingTimeInterval(1)).count == 2)
        #expect(try await fixture.store.batchStatuses(batch: "night").first?.deadline == "2027-01-15 08:12:00")
    }

    @Test func retryWithoutADeadlineClearsItAndKeepsNotBefore() async throws {
        let fixture = try StoreFixture()
        try importBatch(fixture, 1, notBefore: start.addingTimeInterval(30), deadline: start.addingTimeInterval(60))
        #expect(try await fixture.store.expireOverdue(now: start.addingTimeInterval(61)) == 1)
        #expect(try await fixture.store.requeue([.expired], batch: nil, now: start) == 1)
        #expect(try fixture.sqlite3("SELECT deadline IS NULL FROM batches") == "1")
        #expect(try await claim(fixture, at: start.addingTimeInterval(29)).isEmpty, "--not-before still holds")
        #expect(try await claim(fixture, at: start.addingTimeInterval(30)).count == 1)
    }

    @Test func aFileFromBeforeSchedulesUpgradesWithEveryRowAndCascadeKept() async throws {
        // Build a file with only the first two migrations, through sqlite3, the way an earlier groqbatch left it.
        let directory = TemporaryDirectory("upgrade")
        let path = directory.path("old.sqlite")
        var script =
            "CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now'))) STRICT;\n"
        for (number, name) in [(1, "0001_queue.sql"), (2, "0002_budgets.sql")] {
            script += try String(contentsOfFile: PackagePaths.path("migrations/\(name)"), encoding: .utf8)
            script += "\nINSERT INTO schema_migrations (number, name) VALUES (\(number), '\(name)');\n"
        }
        script += """
            INSERT INTO batches (id, name, source, created_at, updated_at) VALUES (1, 'old', 'f', 1, 1);
            INSERT INTO jobs (id, batch_id, line, custom_id, status, request, models, prompt_chars, created_at, updated_at, reserved_tokens)
              VALUES (7, 1, 1, 'a', 'succeeded', '{}', '["m"]', 3, 1, 1, 0), (8, 1, 2, 'b', 'queued', '{}', '["m"]', 3, 1, 1, 0);
            INSERT INTO attempts (job_id, number, model, started_at, finished_at, outcome) VALUES (7, 1, 'm', 1, 2, 'success');
            INSERT INTO results (job_id, model, prompt_tokens, completion_tokens, total_tokens, raw_response, created_at)
              VALUES (7, 'm', 1, 2, 3, '{}', 2);
            """
        let run = try SQLiteShell.run([path], input: script)
        #expect(run.status == 0, "\(run.stderr)")
        let store = try SQLiteJobStore(path: path)
        #expect(try await store.appliedMigrations() == PackagePaths.migrationNumbers)
        let sqlite3 = { (query: String) in try SQLiteShell.run([path, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sqlite3("SELECT id, custom_id, status FROM jobs ORDER BY id") == "7|a|succeeded\n8|b|queued")
        #expect(try sqlite3("SELECT (SELECT COUNT(*) FROM attempts) || (SELECT COUNT(*) FROM results)") == "11")
        #expect(try sqlite3("PRAGMA foreign_key_list(attempts)").contains("|jobs|job_id|id|"), "attempts still point at jobs")
        #expect(try await store.cancel(batch: "old") == 1)
        // Deleting the batch still cascades through jobs to attempts and results.
        _ = try SQLiteShell.run([path, "PRAGMA foreign_keys = ON; DELETE FROM batches;"])
        #expect(try sqlite3("SELECT (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM attempts) + (SELECT COUNT(*) FROM results)") == "0")
    }
}
