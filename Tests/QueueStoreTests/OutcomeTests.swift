import Foundation
import QueueStore
import Testing

struct OutcomeTests {
    func claimOne(_ fixture: StoreFixture, worker: String = "w", now: Date = Date()) async throws -> ClaimedJob {
        try #require(try await fixture.store.claim(workerID: worker, limit: 1, leaseDuration: 60, batch: nil, now: now).first)
    }

    @Test func successWritesTheResultAndTheStatusTogether() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        let job = try await claimOne(fixture)
        let result = StoreFixture.result("m1", content: "forty-two")
        let done = try await fixture.store.record(
            [JobOutcome(jobID: job.id, attempt: StoreFixture.attempt(), transition: .succeed(result))], workerID: "w", now: Date())
        #expect(done == [.applied])
        #expect(
            try fixture.sqlite3(
                "SELECT j.status, j.attempts, j.lease_owner IS NULL, r.content, r.total_tokens, r.request_id FROM jobs j JOIN results r ON r.job_id = j.id")
                == "succeeded|1|1|forty-two|15|req_x")
        #expect(try fixture.sqlite3("SELECT number, model, outcome FROM attempts") == "1|m1|success")
    }

    @Test func retryRequeuesNotBeforeItsTimeAndCountsTheAttempt() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        let now = Date()
        let job = try await claimOne(fixture, now: now)
        let at = now.addingTimeInterval(30)
        _ = try await fixture.store.record(
            [JobOutcome(jobID: job.id, attempt: StoreFixture.attempt(outcome: .retry), transition: .retry(at: at, code: "server_error", message: "503"))],
            workerID: "w", now: now)
        #expect(try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: now).isEmpty)
        let again = try await claimOne(fixture, now: at)
        #expect(again.attempts == 1 && again.modelAttempts == 1 && again.modelIndex == 0)
        #expect(try fixture.sqlite3("SELECT error_code, error_message FROM jobs") == "server_error|503")
    }

    @Test func movingToTheNextModelResetsThatModelsCount() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        let job = try await claimOne(fixture)
        _ = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: job.id, attempt: StoreFixture.attempt(outcome: .fallback), transition: .moveToModel(1, code: "model_decommissioned", message: "gone")
                )
            ],
            workerID: "w", now: Date())
        let next = try await claimOne(fixture)
        #expect(next.model == "m2" && next.modelAttempts == 0 && next.attempts == 1)
    }

    @Test func failingKeepsTheErrorAndReleasingCountsNothing() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(2)
        let jobs = try await fixture.store.claim(workerID: "w", limit: 2, leaseDuration: 60, batch: nil, now: Date())
        let dispositions = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: jobs[0].id, attempt: StoreFixture.attempt(outcome: .permanent), transition: .fail(code: "invalid_request_error", message: "bad")),
                JobOutcome(jobID: jobs[1].id, attempt: nil, transition: .release),
            ], workerID: "w", now: Date())
        #expect(dispositions == [.applied, .applied])
        #expect(
            try fixture.sqlite3("SELECT custom_id, status, attempts, error_code FROM jobs ORDER BY id") == "j1|failed|1|invalid_request_error\nj2|queued|0|")
    }

    @Test func anExpiredLeaseReturnsTheJobWithoutCountingAnAttempt() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        let start = Date()
        let job = try await claimOne(fixture, worker: "dead", now: start)
        #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(30)) == 0)
        #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(61)) == 1)
        let again = try await claimOne(fixture, worker: "alive", now: start.addingTimeInterval(62))
        #expect(again.id == job.id && again.attempts == 0)
        // The dead worker's late retry cannot touch a job it no longer holds.
        let late = try await fixture.store.record(
            [JobOutcome(jobID: job.id, attempt: StoreFixture.attempt(outcome: .retry), transition: .retry(at: start, code: "x", message: "y"))],
            workerID: "dead", now: start.addingTimeInterval(63))
        #expect(late == [.leaseLost])
        #expect(try fixture.sqlite3("SELECT status, lease_owner FROM jobs") == "running|alive")
    }

    @Test func renewingKeepsALeaseAlive() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(3)
        let start = Date()
        _ = try await fixture.store.claim(workerID: "w", limit: 3, leaseDuration: 60, batch: nil, now: start)
        try await fixture.store.registerWorker(id: "w", host: "h", pid: 1, now: start)
        #expect(try await fixture.store.renewLeases(workerID: "w", leaseDuration: 60, now: start.addingTimeInterval(40)) == 3)
        #expect(try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(90)) == 0)
    }

    @Test func aResendAfterALeaseExpiryStoresExactlyOneResult() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        let start = Date()
        let first = try await claimOne(fixture, worker: "slow", now: start)
        _ = try await fixture.store.recoverExpiredLeases(now: start.addingTimeInterval(61))
        _ = try await claimOne(fixture, worker: "fast", now: start.addingTimeInterval(61))
        let fast = try await fixture.store.record(
            [JobOutcome(jobID: first.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "fast")))],
            workerID: "fast", now: start.addingTimeInterval(62))
        let slow = try await fixture.store.record(
            [JobOutcome(jobID: first.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result(content: "slow")))],
            workerID: "slow", now: start.addingTimeInterval(63))
        #expect(fast == [.applied] && slow == [.duplicateResult])
        #expect(try fixture.sqlite3("SELECT COUNT(*), group_concat(content) FROM results") == "1|fast")
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM attempts") == "2")
    }

    @Test func cancelAndRetryAreWholeBatchTransactions() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(4)
        let job = try await claimOne(fixture)
        _ = try await fixture.store.record(
            [JobOutcome(jobID: job.id, attempt: StoreFixture.attempt(), transition: .succeed(StoreFixture.result()))], workerID: "w", now: Date())
        #expect(try await fixture.store.cancel(batch: "b") == 3)
        #expect(try await fixture.store.requeue([.cancelled], batch: "b") == 3)
        #expect(try await fixture.store.countsByStatus(batch: nil) == [.queued: 3, .succeeded: 1])
        await #expect(throws: NotFoundError.self) { try await fixture.store.cancel(batch: "nope") }
        let counter = try await fixture.store.changeCounter()
        #expect(counter >= 2)
    }
}
