import Foundation
import TestSupport
import Testing

/// Credentials the Batch API refuses (401) stop `work --drain` with the fatal exit code, as on demand:
/// before, a refused upload put its jobs back and packed and uploaded them again every second, and a
/// refused poll was tried again every poll interval, forever, the jobs held `running`.
@Suite(.serialized)
struct BatchAPIFatalProcessTests {
    let executor = BatchExecutorTests()

    func work(_ simulator: SimulatorProcess, key: String, db: String, directory: TemporaryDirectory, log: String) throws -> BackgroundProcess {
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "\#(BatchExecutorTests.model)", "max_output": 256}]}"#)
        return try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--batch-poll-interval", "0.2",
                "--backoff-base", "0.2", "--log-level", "error",
            ],
            environment: ["GROQ_API_KEY": key], logPath: directory.path(log))
    }

    /// Waits for `worker` to exit (at most 120 s, however loaded the machine) and returns its status.
    func exitStatus(_ worker: BackgroundProcess) async -> Int32? {
        let status = await worker.wait(timeout: 120)
        if status == nil { worker.signal(SIGKILL) }
        return status
    }

    @Test func aRefusedUploadStopsTheWorkerWithTheFatalCodeAndItsJobsStayQueuedWithTheirTries() async throws {
        let directory = TemporaryDirectory("batch-fatal-upload")
        let simulator = try await BatchExecutorTests.simulator(linesPerSecond: 1_000, in: directory)
        let db = directory.path("q.sqlite")
        try await BatchExecutorTests.importJobs(5, db: db, directory: directory)
        let worker = try work(simulator, key: "wrong-key", db: db, directory: directory, log: "work.log")
        let status = await exitStatus(worker)
        await simulator.stop()
        #expect(status == 3, "exits 3, as a 401 on demand: \(worker.output)")
        #expect(worker.output.contains("Invalid API Key"), "\(worker.output)")
        #expect(try executor.sql(db, "SELECT status, COUNT(*), SUM(attempts) FROM jobs GROUP BY status") == "queued|5|0")
        #expect(try executor.sql(db, "SELECT DISTINCT state, remote_status FROM remote_batches") == "done|upload_failed")
    }

    @Test func aRefusedPollStopsTheWorkerWithTheFatalCodeAndLeavesTheRemoteBatchForAGoodKey() async throws {
        let directory = TemporaryDirectory("batch-fatal-poll")
        // Slow enough that the remote batch is still running when the second worker polls it.
        let simulator = try await BatchExecutorTests.simulator(linesPerSecond: 1, in: directory)
        let db = directory.path("q.sqlite")
        try await BatchExecutorTests.importJobs(500, db: db, directory: directory)
        let first = try work(simulator, key: "sim-key", db: db, directory: directory, log: "first.log")
        var submitted = false
        for _ in 0..<600 where !submitted {
            try await Task.sleep(for: .milliseconds(100))
            submitted = try executor.sql(db, "SELECT COUNT(*) FROM remote_batches WHERE state = 'submitted'") == "1"
        }
        first.signal(SIGKILL)
        _ = await first.wait(timeout: 60)
        try #require(submitted, "\(first.output)")
        // As if the killed worker's hold had lapsed: the next worker takes the remote batch up at once.
        _ = try executor.sql(db, "UPDATE remote_batches SET lease_expires_at = 0")
        let remoteID = try executor.sql(db, "SELECT remote_batch_id FROM remote_batches")
        let second = try work(simulator, key: "wrong-key", db: db, directory: directory, log: "second.log")
        let status = await exitStatus(second)
        await simulator.stop()
        #expect(status == 3, "exits 3, as a 401 on demand: \(second.output)")
        #expect(second.output.contains("Invalid API Key"), "\(second.output)")
        #expect(try executor.sql(db, "SELECT state, remote_batch_id FROM remote_batches") == "submitted|\(remoteID)", "left for a good key")
        #expect(try executor.sql(db, "SELECT status, COUNT(*), SUM(attempts) FROM jobs GROUP BY status") == "running|500|0")
    }
}
