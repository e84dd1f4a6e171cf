import Foundation
import TestSupport
import Testing

/// A `--via batch-api` batch at its `--token-cap` is paused, as an on-demand one is: `status` says so
/// and `work --drain` ends (packing used to stop without a word and the worker to wait forever).
struct BatchAPICapDrainTests {
    @Test func aDrainingWorkerEndsWhenTheBatchAPIBatchLeftWaitsForItsCapAndStatusSaysWhy() async throws {
        let directory = TemporaryDirectory("batch-cap-drain")
        let simulator = try await BatchExecutorTests.simulator(linesPerSecond: 1_000, in: directory)
        let db = directory.path("q.sqlite")
        try await BatchExecutorTests.importJobs(10, db: db, directory: directory, extra: ["--token-cap", "100"])
        let worker = try BatchExecutorTests().work(simulator, db: db, directory: directory, log: "work.log")
        let status = await worker.wait(timeout: 180)
        if status == nil { worker.signal(SIGKILL) }
        #expect(status == 0, "\(worker.output)")
        let sql = { (query: String) in try BatchExecutorTests().sql(db, query) }
        let queued = Int(try sql("SELECT COUNT(*) FROM jobs WHERE status = 'queued'")) ?? 0
        #expect(queued > 0 && queued < 10, "a cap of 100 tokens takes a few jobs of about 25, not all nor none")
        #expect(try sql("SELECT COUNT(*) FROM remote_batches WHERE state <> 'done'") == "0")
        #expect(try sql("SELECT paused FROM batches").hasPrefix("token cap 100 reached"))
        let report = try await CommandRun.groqbatchAwaiting(["status", "--db", db])
        #expect(report.stdout.contains("token cap 100 reached"), "\(report.stdout)")
        await simulator.stop()
    }
}
