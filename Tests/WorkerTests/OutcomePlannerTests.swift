import Foundation
import GroqClient
import Logging
import Testing

@testable import QueueStore
@testable import Worker

/// The retry/fallback policy as a pure function.
struct OutcomePlannerTests {
    let planner = OutcomePlanner(backoff: .exponentialJitter(base: 1, cap: 300))
    let now = Date(timeIntervalSince1970: 1_000_000)

    func job(modelIndex: Int = 0, modelAttempts: Int = 0, models: [String] = ["a", "b"]) -> ClaimedJob {
        ClaimedJob(
            id: 1, batchID: 1, customID: "c", priority: 0, requestJSON: "{}", models: models, modelIndex: modelIndex,
            attempts: modelAttempts, modelAttempts: modelAttempts, maxAttempts: 5, promptCharacters: 10, maxTokens: 10,
            leaseExpiresAt: now)
    }

    func plan(_ failure: ChatFailure, _ job: ClaimedJob, random: Double = 0.5) -> JobTransition {
        planner.plan(job: job, model: job.model ?? "?", result: .failure(failure), startedAt: now, finishedAt: now, random: random).transition
    }

    func failure(_ outcome: OutcomeClass, status: Int? = 500, code: String = "x", wait: Double? = nil) -> ChatFailure {
        var headers = RateLimitHeaders()
        headers.retryAfter = wait
        return ChatFailure(outcomeClass: outcome, httpStatus: status, code: code, message: "m", rateLimits: headers)
    }

    @Test func backoffIsExponentialWithFullJitterAndACap() {
        let policy = BackoffPolicy.exponentialJitter(base: 1, cap: 300)
        #expect(policy.delay(retry: 1, providerWait: nil, random: 1) == 1)
        #expect(policy.delay(retry: 4, providerWait: nil, random: 1) == 8)
        #expect(policy.delay(retry: 4, providerWait: nil, random: 0.25) == 2)
        #expect(policy.delay(retry: 30, providerWait: nil, random: 1) == 300)
        #expect(policy.delay(retry: 1, providerWait: 42, random: 1) == 42, "the provider's longer wait wins")
    }

    @Test func retriesStayOnTheModelUntilItsTriesAreSpent() {
        #expect(plan(failure(.retry), job(modelAttempts: 1), random: 1) == .retry(at: now.addingTimeInterval(2), code: "x", message: "m", counted: true))
        #expect(plan(failure(.retry), job(modelAttempts: 4)) == .moveToModel(1, code: "x", message: "m"))
        #expect(plan(failure(.retry), job(modelIndex: 1, modelAttempts: 4)) == .fail(code: "x", message: "m"))
    }

    @Test func aRateLimitWaitsAsToldAndSpendsNoTry() {
        let transition = plan(failure(.retry, status: 429, code: "rate_limit_exceeded", wait: 30), job(modelAttempts: 4))
        #expect(transition == .retry(at: now.addingTimeInterval(30), code: "rate_limit_exceeded", message: "m", counted: false))
    }

    @Test func fallbackPermanentAndFatal() {
        #expect(plan(failure(.fallback, status: 404), job()) == .moveToModel(1, code: "x", message: "m"))
        #expect(plan(failure(.fallback, status: 404), job(modelIndex: 1)) == .fail(code: "x", message: "m"))
        #expect(plan(failure(.permanent, status: 400), job()) == .fail(code: "x", message: "m"))
        #expect(plan(failure(.fatal, status: 401), job()) == .release)
    }
}

/// What a response tells the GroqQueue.
struct ObservationTests {
    @Test func a4xxRefundsItsReservationAndA5xxKeepsIt() throws {
        let store = try SQLiteJobStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("obs-\(UUID()).sqlite").path)
        var configuration = WorkerConfiguration()
        configuration.budget = BudgetContext(provider: "p", catalog: .groq)
        let worker = QueueWorker(store: store, executor: NeverCalled(), configuration: configuration, logger: Logger(label: "t"))
        let job = ClaimedJob(
            id: 1, batchID: 1, customID: "c", priority: 0, requestJSON: "{}", models: ["m"], modelIndex: 0, attempts: 0, modelAttempts: 0, maxAttempts: 5,
            promptCharacters: 10, maxTokens: 10, leaseExpiresAt: Date())
        for (status, refused) in [(400, true), (404, true), (413, true), (429, true), (500, false), (503, false)] {
            let failure = ChatFailure(outcomeClass: .retry, httpStatus: status, code: "x", message: "m")
            #expect(worker.observation(job: job, model: "m", result: .failure(failure))?.refused == refused, "HTTP \(status)")
        }
        let timeout = ChatFailure(outcomeClass: .retry, httpStatus: nil, code: "timeout", message: "m")
        #expect(worker.observation(job: job, model: "m", result: .failure(timeout))?.refused == false)
        var unreachable = ChatFailure(outcomeClass: .retry, httpStatus: nil, code: "connection_error", message: "m")
        unreachable.unreachable = "connection refused"
        #expect(worker.observation(job: job, model: "m", result: .failure(unreachable))?.refused == true, "never reached: nothing used")
    }

    @Test func aJSONValidationFailureCameAfterGenerationAndKeepsItsReservation() throws {
        let store = try SQLiteJobStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("obs-\(UUID()).sqlite").path)
        var configuration = WorkerConfiguration()
        configuration.budget = BudgetContext(provider: "p", catalog: .groq)
        let worker = QueueWorker(store: store, executor: NeverCalled(), configuration: configuration, logger: Logger(label: "t"))
        let job = ClaimedJob(
            id: 1, batchID: 1, customID: "c", priority: 0, requestJSON: "{}", models: ["m"], modelIndex: 0, attempts: 0, modelAttempts: 0, maxAttempts: 5,
            promptCharacters: 10, maxTokens: 10, leaseExpiresAt: Date())
        // Groq's 400 json_validate_failed: the model wrote an answer that was not JSON, so it was processed.
        var invalid = ChatFailure(outcomeClass: .retry, httpStatus: 400, code: "json_validate_failed", message: "m")
        invalid.failedGeneration = "not json"
        #expect(worker.observation(job: job, model: "m", result: .failure(invalid))?.refused == false)
    }

    struct NeverCalled: ChatExecutor {
        func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
            .failure(ChatFailure(outcomeClass: .fatal, httpStatus: nil, code: "unused", message: "unused"))
        }
    }
}
