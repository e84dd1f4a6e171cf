import Foundation
import GroqSimulator
import QueueStore
import TestSupport
import Testing

/// `groqbatch work` as real processes: killed, signalled, several at once, under faults.
@Suite(.serialized)
struct WorkerProcessTests {
    func work(_ fixture: WorkerFixture, _ extra: [String] = [], log: String) throws -> BackgroundProcess {
        try BackgroundProcess(
            groqbatch: [
                "work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--backoff-base", "0.05",
                "--backoff-cap", "0.2", "--log-level", "error", "--catalog", fixture.catalogPath,
            ] + extra,
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path(log))
    }

    /// The simulator's request log: body hash → number of 200 answers.
    func answersByBody(_ fixture: WorkerFixture) throws -> [String: Int] {
        let entries = try String(contentsOfFile: fixture.requestLog, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        return entries.filter { $0.status == 200 }.reduce(into: [:]) { $0[$1.bodyHash, default: 0] += 1 }
    }

    /// The hash the simulator logs for a job's request sent to `model`.
    func bodyHash(request: String, model: String) -> String {
        FNV1a.hex(#"{"model":"\#(model)","# + request.dropFirst())
    }

    @Test func killedAtRandomMomentsEveryJobSucceedsExactlyOnce() async throws {
        let fixture = try await WorkerFixture(speed: 1, queueDelay: 0.05)
        try fixture.addJobs(500)
        var inFlightAtKills = Set<Int64>()
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        while kills < 12 {
            let worker = try work(fixture, ["--concurrency", "16", "--lease", "3"], log: "worker-\(kills).log")
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600, using: &generator)))
            worker.signal(SIGKILL)
            _ = await worker.wait()
            kills += 1
            let running = try fixture.sql("SELECT id FROM jobs WHERE status = 'running'").split(separator: "\n").compactMap { Int64($0) }
            inFlightAtKills.formUnion(running)
        }
        #expect(!inFlightAtKills.isEmpty, "kills should land while calls are in flight")
        let last = try work(fixture, ["--concurrency", "16", "--lease", "3", "--drain"], log: "worker-final.log")
        let status = await last.wait(timeout: 120)
        await fixture.stop()
        #expect(status == 0, "\(last.output)")
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|500")
        #expect(try fixture.sql("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "500|500")
        let answers = try answersByBody(fixture)
        let jobs = try fixture.sql("SELECT id, request FROM jobs").split(separator: "\n").map { line -> (Int64, String) in
            let parts = line.split(separator: "|", maxSplits: 1)
            return (Int64(parts[0])!, String(parts[1]))
        }
        var resent = 0
        for (id, request) in jobs {
            let count = answers[bodyHash(request: request, model: WorkerFixture.fast)] ?? 0
            #expect(count >= 1, "job \(id) has a result, so the simulator answered it")
            if count > 1 {
                resent += 1
                #expect(inFlightAtKills.contains(id), "job \(id) was answered \(count) times but was not in flight at any kill")
            }
        }
        print("crash test: \(kills) kills, \(inFlightAtKills.count) jobs in flight at a kill, \(resent) answered more than once")
    }

    @Test func fourWorkersDrainOneDatabaseWithoutDoingAJobTwice() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        try fixture.addJobs(2000)
        let workers = try (0..<4).map { try work(fixture, ["--concurrency", "8", "--drain"], log: "w\($0).log") }
        var statuses: [Int32?] = []
        for worker in workers { statuses.append(await worker.wait(timeout: 240)) }
        await fixture.stop()
        #expect(statuses == [0, 0, 0, 0], "\(workers.map(\.output))")
        #expect(try fixture.sql("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "2000|2000")
        #expect(try fixture.sql("SELECT COUNT(*) FROM (SELECT job_id FROM attempts WHERE outcome = 'success' GROUP BY job_id HAVING COUNT(*) > 1)") == "0")
        let busy = try #require(Int(try fixture.sql("SELECT COUNT(DISTINCT worker_id) FROM attempts")))
        #expect(busy >= 2, "the work was shared")
        #expect(!workers.contains { $0.output.contains("database is locked") })
    }

    @Test func underFaultsEveryJobEndsSucceededOrFailedWithItsError() async throws {
        let faults = FaultRates(serverError: 0.03, unavailable: 0.02, hang: 0.01, reset: 0.01, truncated: 0.01)
        let fixture = try await WorkerFixture(faults: faults, speed: 0, seed: 2026)
        try fixture.addJobs(500, maxAttempts: 5)
        let worker = try work(fixture, ["--concurrency", "32", "--timeout", "1", "--drain"], log: "soak.log")
        let status = await worker.wait(timeout: 240)
        await fixture.stop()
        #expect(status == 0, "\(worker.output)")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs") == "500")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status NOT IN ('succeeded', 'failed')") == "0", "none stuck")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'failed' AND error_code IS NULL") == "0")
        #expect(try fixture.sql("SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'succeeded') = (SELECT COUNT(*) FROM results)") == "1")
        let codes = try fixture.sql("SELECT DISTINCT error_code FROM attempts WHERE error_code IS NOT NULL ORDER BY 1")
        for code in ["timeout", "connection_error", "invalid_response"] { #expect(codes.contains(code), "\(codes)") }
    }

    @Test func aWrongKeyExitsWith3AndOneLineAndLeavesJobsQueued() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(20)
        let run = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--drain", "--catalog", fixture.catalogPath],
            environment: ["GROQ_API_KEY": "gsk_fake-notthekey-0123456789abcdef"])
        await fixture.stop()
        #expect(run.status == 3)
        let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("groqbatch: the provider refused this worker: HTTP 401 invalid_api_key"), "\(run.stderr)")
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|20")
        for place in [run.stderr, run.stdout, try fixture.sql(".dump")] {
            #expect(!place.contains("0123456789abcdef"), "the key leaked")
        }
    }

    @Test func sigtermFinishesInFlightWorkAndLeavesNothingRunning() async throws {
        let fixture = try await WorkerFixture(speed: 1, queueDelay: 0.5)
        try fixture.addJobs(200)
        let worker = try work(fixture, ["--concurrency", "8", "--log-level", "notice"], log: "term.log")
        try await Task.sleep(for: .milliseconds(700))
        worker.signal(SIGTERM)
        let status = await worker.wait(timeout: 60)
        await fixture.stop()
        #expect(status == 0, "\(worker.output)")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") == "0")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'queued'") != "0", "it stopped claiming")
        #expect(worker.output.contains("stopped: signal"))
    }

    @Test func aSecondSignalExitsAtOnceAndReturnsTheJobs() async throws {
        let fixture = try await WorkerFixture(speed: 1, queueDelay: 20)
        try fixture.addJobs(20)
        let worker = try work(fixture, ["--concurrency", "4", "--grace", "60"], log: "impatient.log")
        try await Task.sleep(for: .milliseconds(800))
        worker.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        worker.signal(SIGTERM)
        let status = await worker.wait(timeout: 30)
        let took = Date().timeIntervalSince(started)
        await fixture.stop()
        #expect(status == 130, "\(worker.output)")
        #expect(took < 10, "a second signal must not wait for the 60 s grace")
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|20")
    }
}
