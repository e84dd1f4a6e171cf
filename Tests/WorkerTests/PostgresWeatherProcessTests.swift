import Foundation
import GroqSimulator
import PostgresStore
import TestSupport
import Testing

/// A PostgreSQL queue whose connections are cut while a worker runs (a server restart, a failover, a
/// network cut, as PostgreSQL's pg_terminate_backend makes them): weather, waited out, nothing lost.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct PostgresWeatherProcessTests {
    @Test func aWorkerWhoseConnectionsAreCutGoesOnAndLosesNothing() async throws {
        try await PostgresTestServer.withDatabase { url in
            let directory = TemporaryDirectory("pg-weather")
            let simulator = try await GroqSimulator.start(
                configuration: SimulatorConfiguration(
                    models: [SimulatedModel(id: "sim/fast", maxOutput: 64, tokensPerSecond: 400)], speedFactor: 1, queueDelay: 0.05,
                    requestLog: directory.path("requests.jsonl")))
            let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 64}]}"#)
            let environment = ["GROQ_API_KEY": "sim-key", "GROQBATCH_DB": PostgresTestServer.connectionString(url)]
            let jobs = (1...400).map { #"{"custom_id":"j\#($0)","prompt":"Weather prompt \#($0)","max_tokens":16}"# }.joined(separator: "\n")
            let imported = try await CommandRun.groqbatchAwaiting(
                ["import", "-", "--batch", "w", "--model", "sim/fast"], input: jobs, environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")
            let worker = try BackgroundProcess(
                groqbatch: [
                    "work", "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "8", "--drain", "--backoff-base", "0.05",
                    "--backoff-cap", "0.5",
                ],
                environment: environment, logPath: directory.path("worker.log"))
            // Every connection of the worker cut, five times, while its calls run.
            var cut = 0
            for _ in 1...5 {
                try await Task.sleep(for: .milliseconds(700))
                let killed = try PostgresTestServer.psql(
                    url,
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                cut += Int(killed) ?? 0
            }
            let status = await worker.wait(timeout: 240)
            if status == nil {
                print("STUCK: " + (try PostgresTestServer.psql(url, "SELECT status, lease_owner, COUNT(*) FROM jobs GROUP BY 1, 2")))
                print(
                    "STUCK activity: "
                        + (try PostgresTestServer.psql(
                            url, "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity WHERE datname = current_database()")))
                worker.signal(SIGQUIT)
            }
            await simulator.stop()
            #expect(cut > 0, "connections were cut")
            #expect(status == 0, "\(worker.output)")
            #expect(try PostgresTestServer.psql(url, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|400")
            #expect(try PostgresTestServer.psql(url, "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "400|400")
            #expect(worker.output.contains("database"), "the weather was reported: \(worker.output)")
            print("postgres weather: \(cut) connections cut; worker said: \(worker.output.split(separator: "\n").filter { $0.contains("database") }.prefix(2))")
        }
    }
}
