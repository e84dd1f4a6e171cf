import Foundation
import GroqSimulator
import QueueStore
import Scheduler
import Testing
import Worker

/// One worker in-process against the simulator over real HTTP, with a real SQLite file.
struct WorkerIntegrationTests {
    @Test func retriesUntilEveryJobSucceedsWithOneResultEach() async throws {
        let fixture = try await WorkerFixture(faults: FaultRates(serverError: 0.2, unavailable: 0.1))
        try fixture.addJobs(60)
        let worker = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        #expect(worker.stopReason == .drained)
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|60")
        #expect(try fixture.sql("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "60|60")
        let retries = try #require(Int(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE outcome = 'retry'")))
        #expect(retries > 5, "30% server errors over 60 jobs must cause retries")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE attempts != (SELECT COUNT(*) FROM attempts a WHERE a.job_id = jobs.id)") == "0")
        #expect(worker.progress.succeeded == 60 && worker.progress.retried == retries)
    }

    @Test func fallsBackAlongTheChainAndRecordsWhoAnswered() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(10, models: [WorkerFixture.retired, "sim/unknown", WorkerFixture.fast])
        _ = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        #expect(try fixture.sql("SELECT DISTINCT model FROM results") == WorkerFixture.fast)
        #expect(
            try fixture.sql(
                "SELECT group_concat(model || ':' || COALESCE(error_code, 'ok'), ' ') FROM (SELECT * FROM attempts WHERE job_id = 1 ORDER BY number)")
                == "sim/retired:model_decommissioned sim/unknown:model_not_found sim/fast:ok")
    }

    @Test func jobsFailForGoodWithTheProvidersError() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(3, models: [WorkerFixture.fast], prefix: "bad") { _ in
            #"{"max_tokens":100000,"messages":[{"content":"too much output","role":"user"}]}"#
        }
        try fixture.addJobs(2, models: [WorkerFixture.retired], batch: "gone", prefix: "old")
        _ = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        #expect(
            try fixture.sql("SELECT custom_id, status, error_code FROM jobs ORDER BY id")
                == "bad1|failed|invalid_request_error\nbad2|failed|invalid_request_error\nbad3|failed|invalid_request_error\nold1|failed|model_decommissioned\nold2|failed|model_decommissioned"
        )
        #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "5", "a permanent error is never retried")
    }

    @Test func aWrongKeyStopsTheWorkerAndFailsNothing() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(40)
        let worker = try await fixture.runWorker(WorkerFixture.configuration(concurrency: 4), key: "wrong-key")
        await fixture.stop()
        guard case .fatal(let message)? = worker.stopReason else {
            Issue.record("expected a fatal stop, got \(String(describing: worker.stopReason))")
            return
        }
        #expect(message.contains("invalid_api_key"))
        #expect(try fixture.sql("SELECT status, COUNT(*), SUM(attempts) FROM jobs GROUP BY status") == "queued|40|0")
        let calls = try #require(Int(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE outcome = 'fatal'")))
        #expect(calls >= 1 && calls <= 4, "only the calls already in flight may hit the wall: \(calls)")
    }

    @Test func untilStopsClaimingAndFinishesWhatIsInFlight() async throws {
        let fixture = try await WorkerFixture(speed: 1, queueDelay: 0.2)
        try fixture.addJobs(200)
        var configuration = WorkerFixture.configuration(drain: false, concurrency: 4)
        configuration.stopClaimingAt = Date().addingTimeInterval(0.5)
        let worker = try await fixture.runWorker(configuration)
        await fixture.stop()
        #expect(worker.stopReason == .timeUp)
        let succeeded = try #require(Int(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")))
        #expect(succeeded < 200, "it stopped claiming long before the queue was empty")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") == "0", "in-flight work was finished, not abandoned")
    }

    @Test func maxJobsAndDrainEndTheRun() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(30)
        var limited = WorkerFixture.configuration(drain: false)
        limited.maxJobs = 7
        let first = try await fixture.runWorker(limited)
        #expect(first.stopReason == .maxJobs)
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") == "7")
        let second = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        #expect(second.stopReason == .drained)
        #expect(try fixture.sql("SELECT COUNT(*) FROM results") == "30")
        #expect(try fixture.sql("SELECT COUNT(*) FROM workers WHERE stopped_at IS NOT NULL") == "2")
    }

    @Test func drainWaitsForJobsInBackoff() async throws {
        // Every first call fails; the retries are due later, and draining must wait for them.
        let fixture = try await WorkerFixture(faults: FaultRates(unavailable: 0.3), seed: 7)
        try fixture.addJobs(20)
        let worker = try await fixture.runWorker(WorkerFixture.configuration())
        await fixture.stop()
        #expect(worker.stopReason == .drained)
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") == "20")
    }
}

/// The GroqQueue's user budgets, with a worker in-process.
struct UserBudgetTests {
    @Test func aBatchAtItsTokenCapPausesAndDrainingStopsWaitingForIt() async throws {
        let fixture = try await WorkerFixture()
        try fixture.addJobs(30, batch: "capped", prefix: "c", tokenCap: 400)
        try fixture.addJobs(5, batch: "free", prefix: "f")
        var configuration = WorkerFixture.configuration()
        configuration.budget = BudgetContext(provider: fixture.simulator.baseURL, catalog: try ModelCatalog.load(path: fixture.catalogPath))
        let worker = try await fixture.runWorker(configuration)
        await fixture.stop()
        #expect(worker.stopReason == .drained)
        let done = try #require(
            Int(try fixture.sql("SELECT COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE b.name = 'capped' AND j.status = 'succeeded'")))
        #expect(done > 0 && done < 30)
        #expect(
            try fixture.sql("SELECT COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE b.name = 'capped' AND j.status = 'queued'") == "\(30 - done)"
        )
        #expect(
            try fixture.sql("SELECT status, COUNT(*) FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE b.name = 'free' GROUP BY status") == "succeeded|5")
        let spent = try #require(Int(try fixture.sql("SELECT spent_tokens FROM batches WHERE name = 'capped'")))
        #expect(spent <= 400)
        #expect(
            try fixture.sql(
                "SELECT SUM(total_tokens) FROM results r JOIN jobs j ON j.id = r.job_id JOIN batches b ON b.id = j.batch_id WHERE b.name = 'capped'")
                == "\(spent)", "settled to real usage")
        let status = try await fixture.store.batchStatuses(batch: "capped").first
        #expect(status?.paused?.hasPrefix("token cap 400 reached: \(spent) spent") == true, "\(String(describing: status))")
    }
}
