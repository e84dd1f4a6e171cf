import Foundation
import Logging
import QueueStore
import Scheduler
import Testing
import Worker

/// A worker whose store fails on cue: nothing is stranded, lost or counted that was not written.
struct StoreFaultWorkerTests {
    static func budget(_ fixture: WorkerFixture) -> BudgetContext {
        BudgetContext(provider: fixture.simulator.baseURL, catalog: ModelCatalog(entries: [.init(id: WorkerFixture.fast, maxOutput: 256)], source: .catalog))
    }

    /// Runs a worker on `store` until it returns, or fails the test after `timeout` seconds (then stops it).
    static func run(_ store: FaultyStore, _ fixture: WorkerFixture, configuration: WorkerConfiguration, timeout: Double = 60) async throws -> QueueWorker {
        let client = try fixture.client()
        var logger = Logger(label: "test.worker")
        logger.logLevel = .critical
        let worker = QueueWorker(store: store, executor: client, configuration: configuration, logger: logger)
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await worker.run()
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return false
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        try await client.shutdown()
        #expect(finished, "the worker did not finish within \(timeout) s: \(worker.progress)")
        return worker
    }

    /// `jobs` jobs run by one worker on a store whose next `record` calls throw `failures`, to the end.
    static func runWithRecordFailures(
        jobs: Int, failures: [any Error], concurrency: Int
    ) async throws -> (fixture: WorkerFixture, store: FaultyStore, worker: QueueWorker) {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(jobs)
        let store = FaultyStore(fixture.store)
        store.recordFailures.withLock { $0 = failures }
        var configuration = WorkerFixture.configuration(concurrency: concurrency)
        configuration.budget = Self.budget(fixture)
        let worker = try await Self.run(store, fixture, configuration: configuration)
        await fixture.stop()
        return (fixture, store, worker)
    }

    @Test func anOutcomeWriteThatFailsOnceIsWrittenAgainAloneAndDrainEnds() async throws {
        let (fixture, store, worker) = try await Self.runWithRecordFailures(jobs: 40, failures: [FaultyStore.Refused()], concurrency: 8)
        #expect(worker.stopReason == .drained)
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|40")
        #expect(try fixture.sql("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "40|40")
        #expect(worker.progress.succeeded == 40, "counted once each, when written: \(worker.progress)")
        #expect(store.recordCalls.withLock { $0 } > 1)
    }

    @Test func anOutcomeThatCanNeverBeWrittenReturnsItsJobToTheQueueInsteadOfStrandingIt() async throws {
        // The outcome's write fails (alone: one job, one outcome): the outcome is lost, the job must not be.
        let (fixture, _, worker) = try await Self.runWithRecordFailures(jobs: 1, failures: [FaultyStore.Refused()], concurrency: 1)
        #expect(worker.stopReason == .drained, "drain ended")
        #expect(try fixture.sql("SELECT status, attempts FROM jobs") == "succeeded|1", "released, sent again, answered: at least once")
        #expect(try fixture.sql("SELECT COUNT(*) FROM results") == "1")
        #expect(worker.progress.succeeded == 1 && worker.progress.released == 1, "\(worker.progress)")
    }

    @Test func aBusyDatabaseIsWaitedOutAndNothingIsLost() async throws {
        let (fixture, _, worker) = try await Self.runWithRecordFailures(
            jobs: 30, failures: Array(repeating: FaultyStore.busy, count: 6), concurrency: 4)
        #expect(worker.stopReason == .drained)
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|30")
        #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "30", "no call was made twice")
        #expect(worker.progress.succeeded == 30 && worker.progress.released == 0)
    }

    @Test func aChangeMadeWhileAClaimRunsWakesTheWorker() async throws {
        // The Batch API loop decides --via auto jobs (or an import lands) while a claim that finds
        // nothing is running: the worker must see that change, not sleep past it.
        let fixture = try await WorkerFixture()
        try fixture.addJobs(1, prefix: "first")
        let store = FaultyStore(fixture.store)
        let base = fixture.store
        store.afterEmptyClaim.withLock { hook in
            hook = {
                _ = try base.importJobs(into: BatchSpec(name: "late", source: "test", models: [WorkerFixture.fast])) { sink in
                    _ = try sink.add(
                        NewJob(
                            line: 1, customID: "late1", requestJSON: #"{"max_tokens":8,"messages":[{"content":"late","role":"user"}]}"#,
                            models: [WorkerFixture.fast], promptCharacters: 4, maxTokens: 8))
                }
            }
        }
        // The first claim takes the only job; the next finds nothing, and the hook adds one.
        var configuration = WorkerFixture.configuration(concurrency: 1)
        configuration.budget = Self.budget(fixture)
        // Idle polls as an unattended worker has them: a lost wakeup would wait for a change forever.
        configuration.idlePollInterval = 2
        // Without the wakeup the worker never ends; with it, it ends in seconds (minutes are for a loaded machine).
        let worker = try await Self.run(store, fixture, configuration: configuration, timeout: 120)
        await fixture.stop()
        #expect(try fixture.sql("SELECT custom_id, status FROM jobs ORDER BY id") == "first1|succeeded\nlate1|succeeded")
        #expect(worker.stopReason == .drained)
    }
}
