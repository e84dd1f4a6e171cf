import Foundation
import GroqSimulator
import PostgresStore
import QueueStore
import TestSupport
import Testing
import Worker

/// `groqbatch copy`: a SQLite queue with its history moved into PostgreSQL, and back, exported the same
/// byte for byte; all or nothing.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct CopyRoundTripTests {
    func export(_ db: String, _ format: String) async throws -> String {
        let run = try await CommandRun.groqbatchAwaiting(["export", "--db", db, "--format", format])
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    @Test func aQueueCopiedToPostgresAndBackExportsByteForByteTheSame() async throws {
        // A queue with history: answers, failures after retries, fallbacks, attempts, meters.
        let faults = FaultRates(serverError: 0.05)
        let fixture = try await WorkerFixture(faults: faults, speed: 0, seed: 7)
        try fixture.addJobs(120, models: [WorkerFixture.fast], maxAttempts: 2)
        try fixture.addJobs(30, models: [WorkerFixture.retired, WorkerFixture.fast], batch: "fallbacks", prefix: "f")
        _ = try await fixture.runWorker(WorkerFixture.configuration(concurrency: 8))
        await fixture.stop()
        #expect(try fixture.sql("SELECT COUNT(*) > 150 FROM attempts") == "1", "calls were made and some retried")

        let before = [try await export(fixture.dbPath, "jsonl"), try await export(fixture.dbPath, "csv")]
        try await PostgresTestServer.withDatabase { url in
            let server = PostgresTestServer.connectionString(url)
            let copied = try await CommandRun.groqbatchAwaiting(["copy", "--from", fixture.dbPath, "--to", server])
            #expect(copied.status == 0, "\(copied.stderr)")
            #expect(copied.stdout.contains("copied 2 batches, 150 jobs"), "\(copied.stdout)")
            #expect(!copied.stdout.contains(url.password ?? "-"), "the password is never printed")
            #expect([try await export(server, "jsonl"), try await export(server, "csv")] == before)
            for table in ["attempts", "results", "budgets", "token_estimates"] {
                #expect(
                    try PostgresTestServer.psql(url, "SELECT COUNT(*) FROM \(table)") == fixture.sql("SELECT COUNT(*) FROM \(table)"), "\(table)")
            }
            // New rows go on after the copied ids.
            let more = try await CommandRun.groqbatchAwaiting(
                ["import", "-", "--db", server, "--batch", "later", "--model", "m"], input: #"{"custom_id":"x","prompt":"p"}"#)
            #expect(more.status == 0, "\(more.stderr)")
            #expect(try PostgresTestServer.psql(url, "SELECT MAX(id) FROM jobs") == "151")

            // A second copy into the same database is refused and changes nothing.
            let again = try await CommandRun.groqbatchAwaiting(["copy", "--from", fixture.dbPath, "--to", server])
            #expect(again.status != 0)
            #expect(again.stderr.contains("already holds batches"), "\(again.stderr)")
            #expect(try PostgresTestServer.psql(url, "SELECT COUNT(*) FROM jobs") == "151")

            // And back into a new SQLite file, with the batch added in PostgreSQL: the same export again.
            let onServer = [try await export(server, "jsonl"), try await export(server, "csv")]
            let back = fixture.directory.path("back.sqlite")
            let returned = try await CommandRun.groqbatchAwaiting(["copy", "--from", server, "--to", back])
            #expect(returned.status == 0, "\(returned.stderr)")
            #expect([try await export(back, "jsonl"), try await export(back, "csv")] == onServer)
            #expect(onServer[0].split(separator: "\n").count == 151)
        }
    }

    @Test func aCopyThatFailsHalfWayLeavesTheDestinationEmpty() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        try fixture.addJobs(50)
        _ = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        try await PostgresTestServer.withDatabase { url in
            let server = PostgresTestServer.connectionString(url)
            #expect(try await CommandRun.groqbatchAwaiting(["init", "--db", server]).status == 0)
            // A worker already there under the name of a copied one: the copy fails on it, the last table, after the jobs.
            let worker = try fixture.sql("SELECT id FROM workers LIMIT 1")
            #expect(!worker.isEmpty)
            _ = try PostgresTestServer.psql(url, "INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES ('\(worker)', 'h', 1, 0, 0)")
            let copied = try await CommandRun.groqbatchAwaiting(["copy", "--from", fixture.dbPath, "--to", server])
            #expect(copied.status != 0)
            #expect(copied.stderr.contains("nothing was written"), "\(copied.stderr)")
            #expect(try PostgresTestServer.psql(url, "SELECT (SELECT COUNT(*) FROM batches), (SELECT COUNT(*) FROM jobs)") == "0|0")
        }
    }
}
