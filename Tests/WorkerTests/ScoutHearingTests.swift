import Foundation
import GroqClient
import QueueStore
import Scheduler
import TestSupport
import Testing

@testable import Worker

/// The scout's wait (one call alone to a model never heard from) ends only when the provider itself
/// answered: not when a job ends without a call, nor on a gateway's 5xx, nor on a call the worker cut.
struct ScoutHearingTests {
    struct NoCalls: ChatExecutor {
        func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
            .failure(ChatFailure(outcomeClass: .retry, httpStatus: nil, code: "timeout", message: "not called"))
        }
    }

    static let provider = "https://api.example.test/openai/v1"
    static var stores: [String] { PostgresTestServer.enabled ? ["sqlite", "postgres"] : ["sqlite"] }

    static func failure(_ status: Int?, requestID: String? = nil, limitHeaders: Bool = false) -> ChatFailure {
        var headers = RateLimitHeaders()
        headers.requestID = requestID
        if limitHeaders { headers.tokensPerMinuteLimit = 6000 }
        return ChatFailure(outcomeClass: .retry, httpStatus: status, code: status.map { "http_\($0)" } ?? "timeout", message: "m", rateLimits: headers)
    }

    @Test func onlyTheProvidersOwnResponseIsHeard() {
        #expect(!Self.failure(nil).isProvidersWord, "a timeout: no response")
        #expect(!Self.failure(502).isProvidersWord, "a gateway's 502: no request id, no rate-limit header")
        #expect(!Self.failure(503).isProvidersWord)
        #expect(Self.failure(500, requestID: "req_1").isProvidersWord, "the provider's own 500 bears its request id")
        #expect(Self.failure(400, limitHeaders: true).isProvidersWord)
    }

    @Test(arguments: stores) func jobsEndingWithoutACallAndAGatewaysErrorLeaveTheModelUnheard(_ kind: String) async throws {
        let directory = TemporaryDirectory("scout")
        if kind == "sqlite" {
            let path = directory.path("queue.sqlite")
            try await Self.check(try SQLiteJobStore(path: path)) { try SQLiteShell.run([path, $0]).stdout }
        } else {
            try await PostgresTestServer.withStore { store in try await Self.check(store) { try PostgresTestServer.psql(store.url, $0) } }
        }
    }

    static func check(_ store: some JobStore & ImportStore, sql: @Sendable (String) throws -> String) async throws {
        let now = Date()
        let staged = try await store.beginImport(BatchSpec(name: "b", source: "test", models: ["m1"]), now: now)
        _ = try await store.stage(
            (1...3).map {
                NewJob(
                    line: $0, customID: "j\($0)", requestJSON: #"{"messages":[{"content":"hi","role":"user"}]}"#, models: ["m1"], promptCharacters: 2,
                    maxTokens: 8)
            }, into: staged, now: now)
        try await store.commitImport(staged, now: now)
        let budget = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
        var configuration = WorkerConfiguration(concurrency: 3)
        configuration.budget = budget
        let worker = QueueWorker(store: store, executor: NoCalls(), configuration: configuration, logger: .init(label: "test"))
        let jobs = try await store.claim(workerID: "w", limit: 3, leaseDuration: 60, batch: nil, now: nil, budget: budget).jobs
        try #require(jobs.count == 3)
        let noModel = JobOutcome(
            jobID: jobs[0].id, attempt: nil, transition: .fail(code: "no_model", message: "used up"), observation: worker.noCall(jobs[0]),
            claimToken: jobs[0].claimToken)
        let gateway = worker.planned(jobs[1], model: "m1", result: .failure(failure(502)), started: now, finished: now, fit: nil)
        let timeout = worker.planned(jobs[2], model: "m1", result: .failure(failure(nil)), started: now, finished: now, fit: nil)
        for outcome in [noModel, gateway, timeout] {
            #expect(outcome.observation?.fromResponse == false)
            _ = try await store.record([outcome], workerID: "w", now: nil)
        }
        let heard = try sql("SELECT kind, COALESCE(heard_at, -1) FROM budgets WHERE model = 'm1' ORDER BY kind")
        #expect(heard.split(separator: "\n").count == 4 && heard.split(separator: "\n").allSatisfy { $0.hasSuffix("|-1") }, "\(heard)")
    }
}
