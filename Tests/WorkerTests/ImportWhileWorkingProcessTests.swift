import Foundation
import TestSupport
import Testing

/// A large import beside a running worker: the import writes in short transactions, so the worker goes
/// on claiming and recording answers the whole time (it used to wait for the whole file, and past the
/// busy timeout it failed); and none of the new jobs is claimed before the whole file is in.
struct ImportWhileWorkingProcessTests {
    @Test func aWorkerKeepsRecordingAnswersWhileALargeImportGoesIn() async throws {
        let directory = TemporaryDirectory("import-beside-worker")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.05, "models": [{"id": "sim/fast", "max_output": 256}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let running = directory.write(
            "running.jsonl", (1...3_000).map { #"{"custom_id":"r\#($0)","prompt":"Prompt \#($0)","max_tokens":8}"# }.joined(separator: "\n"))
        #expect(try await CommandRun.groqbatchAwaiting(["import", running, "--db", db, "--model", "sim/fast"]).status == 0)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worker = try BackgroundProcess(
            groqbatch: ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "8"],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        let results = { () throws -> Int in
            Int(
                try SQLiteShell.run([db, ".timeout 100", "SELECT COUNT(*) FROM results"]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let started = Date()
        while try results() < 10, Date().timeIntervalSince(started) < 60 { try await Task.sleep(for: .milliseconds(100)) }

        // Jobs of the new batch would run at once: it is the worker's claims that must not see them early.
        let large = directory.write(
            "large.jsonl", (1...400_000).map { #"{"custom_id":"n\#($0)","prompt":"New prompt \#($0)","max_tokens":8}"# }.joined(separator: "\n"))
        let importer = try BackgroundProcess(groqbatch: ["import", large, "--db", db, "--model", "sim/fast"], logPath: directory.path("import.log"))
        #expect(await importer.wait(timeout: 300) == 0, "\(importer.output)")
        let imported = Date()
        worker.signal(SIGTERM)
        _ = await worker.wait(timeout: 60)
        await simulator.stop()

        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT COUNT(*) FROM jobs WHERE custom_id LIKE 'n%'") == "400000", "the whole file went in")
        // The import's batch row was made when it began and touched when it committed; answers are
        // stamped inside their own write transactions. One transaction for the whole file let none in
        // between.
        let during = try sql(
            """
            SELECT COUNT(*), (SELECT ROUND(updated_at - created_at, 1) FROM batches WHERE name = 'large')
            FROM results WHERE created_at > (SELECT created_at FROM batches WHERE name = 'large')
                           AND created_at < (SELECT updated_at FROM batches WHERE name = 'large')
            """
        ).split(separator: "|")
        #expect((Int(during.first ?? "") ?? 0) >= 5, "answers recorded while the import went in, over its seconds: \(during)")
        let earliest =
            Double(try sql("SELECT COALESCE(MIN(a.started_at), 1e12) FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.custom_id LIKE 'n%'")) ?? 0
        #expect(earliest >= imported.timeIntervalSince1970 - 1.5, "a new job was sent before its import was whole")
    }
}
