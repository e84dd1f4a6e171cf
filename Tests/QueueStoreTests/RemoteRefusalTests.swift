import Foundation
import QueueStore
import Scheduler
import TestSupport
import Testing

/// What the provider's refusals do to a remote batch's jobs, as the same refusals on demand would: a
/// refused remote batch counts a try per job and waits the backoff, a line's fallback error moves its
/// job to the chain's next model, and the chain's end fails the job with the provider's reason.
struct RemoteRefusalTests {
    let provider = "https://api.example.test/openai/v1"

    /// `count` jobs of a `--via batch-api` batch on the chain m1, m2 with two tries a model.
    func jobs(_ fixture: QueueFixture, _ count: Int, at now: Date) async throws {
        var spec = BatchSpec(name: "b", source: "test", models: ["m1", "m2"], maxAttempts: 2)
        spec.via = .batchAPI
        try await fixture.add(spec, at: now, (1...count).map { StoreFixture.job($0, customID: "j\($0)") })
    }

    func pack(_ fixture: QueueFixture, at now: Date) async throws -> RemoteBatchRecord? {
        _ = try await fixture.store.prepareRemoteBatches(
            provider: provider, workerID: "a", maxLines: 100, maxBytes: 1 << 20, leaseDuration: 120, now: now, budget: nil)
        return try await fixture.store.leaseRemoteBatches(provider: provider, workerID: "a", leaseDuration: 120, now: now).first
    }

    func refuse(_ fixture: QueueFixture, _ remote: RemoteBatchRecord, kind: ChainStep.Kind, at now: Date) async throws -> RemoteWrite {
        try await fixture.store.refuseRemote(
            remote, status: "create_refused", code: "invalid_request_error", message: "model 'm' is not supported by the Batch API", httpStatus: 400,
            kind: kind, retryDelay: { tries in 30 * Double(tries) }, workerID: "a", now: now)
    }

    @Test(arguments: StoreKind.allCases) func aRefusedRemoteBatchCountsATryPerJobWaitsTheBackoffAndEndsInTheFallbackThenFailure(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let start = Date()
            try await jobs(fixture, 3, at: start)
            let first = try #require(try await pack(fixture, at: start))
            #expect(try await refuse(fixture, first, kind: .retry, at: start) == RemoteWrite(requeued: 3))
            #expect(
                try fixture.sql("SELECT state, remote_status, last_error, left_over FROM remote_batches")
                    == "done|create_refused|model 'm' is not supported by the Batch API|3")
            #expect(
                try fixture.sql("SELECT DISTINCT status, model_index, model_attempts, attempts, error_code FROM jobs") == "queued|0|1|1|invalid_request_error")
            #expect(try fixture.sql("SELECT COUNT(*), MIN(outcome), MIN(http_status) FROM attempts") == "3|retry|400")
            // Not packed again before the backoff: a refusal is not sent again at once.
            #expect(try await pack(fixture, at: start.addingTimeInterval(10)) == nil)
            let second = try #require(try await pack(fixture, at: start.addingTimeInterval(31)))
            // The model's tries are spent: on to the fallback, at once.
            #expect(try await refuse(fixture, second, kind: .retry, at: start.addingTimeInterval(31)) == RemoteWrite(requeued: 3))
            #expect(try fixture.sql("SELECT DISTINCT status, model_index, model_attempts, attempts FROM jobs") == "queued|1|0|2")
            let third = try #require(try await pack(fixture, at: start.addingTimeInterval(31)))
            #expect(third.model == "m2")
            // A fallback refusal on the chain's last model: failed with the provider's reason.
            #expect(try await refuse(fixture, third, kind: .fallback, at: start.addingTimeInterval(32)) == RemoteWrite(failed: 3))
            #expect(
                try fixture.sql("SELECT DISTINCT status, error_code, error_message, attempts FROM jobs")
                    == "failed|invalid_request_error|model 'm' is not supported by the Batch API|3")
            #expect(try fixture.sql("SELECT SUM(failed) FROM remote_batches") == "3")
            #expect(try await pack(fixture, at: start.addingTimeInterval(600)) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aFailedUploadsJobsWaitTheBackoffBeforeTheyArePackedAgain(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let start = Date()
            try await jobs(fixture, 3, at: start)
            let first = try #require(try await pack(fixture, at: start))
            #expect(try await fixture.store.abandonUpload(first, message: "503 from /files", retryAfter: 30, workerID: "a", now: start) == 3)
            #expect(
                try fixture.sql("SELECT DISTINCT status, attempts, CASE WHEN next_attempt_at > updated_at + 29 THEN 'later' END FROM jobs")
                    == "queued|0|later", "no try, a wait")
            // Not uploaded again (up to 200 MB) on the next pass, a second later, during an outage.
            #expect(try await pack(fixture, at: start.addingTimeInterval(1)) == nil)
            #expect(try await pack(fixture, at: start.addingTimeInterval(10)) == nil)
            let second = try #require(try await pack(fixture, at: start.addingTimeInterval(31)))
            #expect(second.lines == 3)
        }
    }

    @Test(arguments: StoreKind.allCases) func aLinesFallbackErrorMovesItsJobToTheNextModelAsOnDemand(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let now = Date()
            try await jobs(fixture, 3, at: now)
            let remote = try #require(try await pack(fixture, at: now))
            let ids = try fixture.sql("SELECT id FROM jobs ORDER BY id").split(separator: "\n").compactMap { Int64($0) }
            let written = try await fixture.store.recordRemoteAnswers(
                remote,
                [
                    RemoteAnswer(jobID: ids[0], success: nil, error: ("model_decommissioned", "retired", 400, .fallback)),
                    RemoteAnswer(jobID: ids[1], success: nil, error: ("http_500", "oops", 500, .retry)),
                    RemoteAnswer(jobID: ids[2], success: nil, error: ("invalid_request_error", "bad body", 400, .permanent)),
                ], workerID: "a", now: now)
            #expect(written == RemoteWrite(failed: 1, requeued: 2))
            #expect(
                try fixture.sql("SELECT custom_id, status, model_index, model_attempts, error_code FROM jobs ORDER BY id")
                    == "j1|queued|1|0|model_decommissioned\nj2|queued|0|1|http_500\nj3|failed|0|0|invalid_request_error")
            #expect(try fixture.sql("SELECT outcome FROM attempts ORDER BY job_id") == "fallback\nretry\npermanent")
        }
    }
}
