import Foundation
import GroqSimulator
import PostgresStore
import TestSupport
import Testing

/// A fleet: four `groqbatch work` processes on one PostgreSQL database, one account's limits shared by
/// all, killed at random moments and started again.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct FleetProcessTests {
    @Test func fourWorkersKilledAndRestartedAnswerEveryJobOnceAndShareOneBudget() async throws {
        try await PostgresTestServer.withDatabase { url in
            let directory = TemporaryDirectory("fleet")
            let log = directory.path("requests.jsonl")
            let model = "sim/shared"
            let rpm = 150
            let jobCount = 300
            // Its own process: answered from the test process, a call could wait seconds for its threads on
            // a loaded machine and outlive its lease, and a job sent again for that is no kill's doing.
            let simulator = try await SimulatorProcess(
                configuration: """
                    {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.05, "models": [{"id": "\(model)", "max_output": 64,
                     "rpm": \(rpm), "rpd": 100000, "tpm": 200000, "tpd": 10000000, "tokens_per_second": 100}]}
                    """, requestLog: log, in: directory)
            let catalog = directory.write(
                "catalog.json", #"{"models": [{"id": "\#(model)", "max_output": 64, "rpm": \#(rpm), "rpd": 100000, "tpm": 200000, "tpd": 10000000}]}"#)
            // The URL reaches the workers as GROQBATCH_DB, as a systemd unit would pass it.
            let environment = ["GROQ_API_KEY": "sim-key", "GROQBATCH_DB": PostgresTestServer.connectionString(url)]
            let jobs = (1...jobCount).map { #"{"custom_id":"j\#($0)","prompt":"Fleet prompt number \#($0)","max_tokens":16}"# }.joined(separator: "\n")
            let imported = try await CommandRun.groqbatchAwaiting(["import", "-", "--batch", "fleet", "--model", model], input: jobs, environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")

            func start(_ index: Int, _ generation: Int) throws -> BackgroundProcess {
                try BackgroundProcess(
                    groqbatch: [
                        "work", "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "8", "--lease", "10", "--drain",
                        "--backoff-base", "0.05", "--backoff-cap", "0.5", "--log-level", "error",
                    ],
                    environment: environment, logPath: directory.path("w\(index)-\(generation).log"))
            }
            var workers = try (0..<4).map { try start($0, 0) }
            var inFlightAtKills = Set<Int64>()
            var generator = SystemRandomNumberGenerator()
            for kill in 1...8 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 400...2500, using: &generator)))
                let index = Int.random(in: 0..<4, using: &generator)
                workers[index].signal(SIGKILL)
                _ = await workers[index].wait()
                let running = try PostgresTestServer.psql(url, "SELECT id FROM jobs WHERE status = 'running'")
                inFlightAtKills.formUnion(running.split(separator: "\n").compactMap { Int64($0) })
                workers[index] = try start(index, kill)
            }
            var statuses: [Int32?] = []
            for worker in workers { statuses.append(await worker.wait(timeout: 300)) }
            await simulator.stop()
            #expect(statuses == [0, 0, 0, 0], "\(workers.map(\.output))")

            #expect(try PostgresTestServer.psql(url, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|\(jobCount)")
            #expect(try PostgresTestServer.psql(url, "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "\(jobCount)|\(jobCount)")
            let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
            let answers = entries.filter { $0.status == 200 }.reduce(into: [String: Int]()) { $0[$1.bodyHash, default: 0] += 1 }
            var resent = 0
            for line in try PostgresTestServer.psql(url, "SELECT id, request FROM jobs").split(separator: "\n") {
                let parts = line.split(separator: "|", maxSplits: 1)
                let id = Int64(parts[0])!
                let count = answers[FNV1a.hex(#"{"model":"\#(model)","# + parts[1].dropFirst())] ?? 0
                #expect(count >= 1, "job \(id) has a result, so the simulator answered it")
                if count > 1 {
                    resent += 1
                    #expect(inFlightAtKills.contains(id), "job \(id) was answered \(count) times but was not in flight at any kill")
                }
            }
            // The shared budget: no window overspent (every request the provider saw counts, refused or
            // not), and the first minute as full as one worker would fill it.
            let sent = entries.map(\.time).sorted()
            let refused = entries.filter { $0.status == 429 }
            let busiest = sent.map { time in sent.filter { $0 > time - 60 && $0 <= time }.count }.max() ?? 0
            let firstMinute = sent.filter { $0 < sent[0] + 60 }.count
            print(
                "fleet: 8 kills, \(inFlightAtKills.count) jobs in flight at a kill, \(resent) answered twice, \(refused.count) 429s, \(firstMinute) of \(rpm) RPM in the first minute"
            )
            #expect(refused.count <= 2, "the fleet keeps to the limits it shares: \(refused.map { $0.limit ?? "?" })")
            #expect(busiest <= rpm + refused.count, "at most \(rpm) requests in any minute: \(busiest)")
            #expect(firstMinute >= rpm * 8 / 10, "the shared minute is used: \(firstMinute) of \(rpm)")
            #expect(!workers.contains { $0.output.contains("Fatal error") })
        }
    }
}
