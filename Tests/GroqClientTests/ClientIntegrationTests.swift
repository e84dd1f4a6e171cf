import Foundation
import GroqClient
import GroqSimulator
import TestSupport
import Testing

/// The client against the simulator over real HTTP on 127.0.0.1: one test per outcome class and fault.
struct ClientIntegrationTests {
    func failure(_ result: Result<ChatSuccess, ChatFailure>) throws -> ChatFailure {
        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            throw CancellationError()
        }
        return failure
    }

    @Test func aCompletionDecodesWithUsageGroqIdsAndHeaders() async throws {
        let fixture = try await SimulatorFixture.start(models: SimulatorFixture.models(tpm: 10_000))
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        let again = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await fixture.stop()
        let success = try result.get()
        let completion = success.completion
        #expect(completion.model == SimulatorFixture.model)
        #expect(completion.content?.isEmpty == false)
        #expect(["stop", "length"].contains(completion.finishReason))
        #expect(completion.usage.totalTokens == completion.usage.promptTokens + completion.usage.completionTokens)
        #expect(completion.usage.completionTokens <= 64)
        #expect(completion.usage.totalTime != nil && completion.usage.queueTime != nil)
        #expect(completion.xGroq?.id?.hasPrefix("req_") == true)
        #expect(completion.id?.hasPrefix("chatcmpl-") == true)
        #expect(completion.serviceTier == "on_demand" && completion.systemFingerprint != nil)
        #expect(completion.rawBody.contains("\"x_groq\""))
        #expect(success.rateLimits.tokensPerMinuteLimit == 10_000)
        #expect(success.rateLimits.tokensPerMinuteRemaining == 10_000 - completion.usage.totalTokens)
        #expect(success.rateLimits.tokensPerMinuteReset.map { $0 > 0 && $0 <= 60 } == true)
        #expect(try again.get().completion.content == completion.content, "answers are deterministic")
    }

    @Test func theBodyIsSentAsImportedWithTheModelSet() async throws {
        let fixture = try await SimulatorFixture.start()
        let stored = #"{"max_tokens":8,"messages":[{"content":"hi","role":"user"}],"seed":7,"x_future_field":{"a":[1,2]}}"#
        let result = await fixture.client.chat(requestJSON: stored, model: SimulatorFixture.model)
        // Stopped before any check can throw: a client left running aborts the whole test process.
        try await fixture.stop()
        _ = try result.get()
        let sent = #"{"model":"test/fast","max_tokens":8,"messages":[{"content":"hi","role":"user"}],"seed":7,"x_future_field":{"a":[1,2]}}"#
        let log = try String(contentsOfFile: fixture.directory.path("requests.jsonl"), encoding: .utf8)
        #expect(log.contains("\"body_hash\":\"\(FNV1a.hex(sent))\""), "the simulator saw other bytes than expected: \(log)")
    }

    @Test func aWrongKeyIsFatalAndNeverEchoed() async throws {
        let key = "gsk_fake-wrong-key-wrong-key-123"
        let fixture = try await SimulatorFixture.start(key: key)
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .fatal && failure.httpStatus == 401 && failure.code == "invalid_api_key")
        #expect(!failure.description.contains(key))
    }

    @Test func aBaseURLWithoutTheAPIPathIsFatalAndSaysWhatTheUsualPathIs() async throws {
        let fixture = try await SimulatorFixture.start()
        // The server's root, where `/openai/v1` was left out: nothing is there.
        let root = fixture.simulator.baseURL.replacingOccurrences(of: "/openai/v1", with: "")
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: root, apiKey: APIKey("sim-key"), connectTimeout: 15, requestTimeout: 60))
        let result = await client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await client.shutdown()
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .fatal && failure.httpStatus == 404, "\(failure)")
        #expect(failure.message.contains("the base URL's path looks wrong (Groq's is https://api.groq.com/openai/v1"), "\(failure.message)")
    }

    @Test(arguments: [
        ("nope/unknown", SimulatorFixture.body(), 404, "model_not_found"),
        ("test/retired", SimulatorFixture.body(), 400, "model_decommissioned"),
        (SimulatorFixture.small, SimulatorFixture.body(String(repeating: "long prompt words here ", count: 20), maxTokens: 8), 400, "context_length_exceeded"),
        (SimulatorFixture.small, SimulatorFixture.body(String(repeating: "word ", count: 18), maxTokens: 32), 413, "rate_limit_exceeded"),
    ])
    func modelProblemsFallBack(model: String, body: String, status: Int, code: String) async throws {
        let fixture = try await SimulatorFixture.start()
        let result = await fixture.client.chat(requestJSON: body, model: model)
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .fallback, "\(failure)")
        #expect(failure.httpStatus == status && failure.code == code)
    }

    @Test func aBadParameterFailsPermanently() async throws {
        let fixture = try await SimulatorFixture.start()
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(extra: #","n":3"#), model: SimulatorFixture.model)
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .permanent && failure.httpStatus == 400 && failure.code == "invalid_request_error")
    }

    @Test func a429IsARetryThatSaysWhichLimitAndHowLong() async throws {
        let fixture = try await SimulatorFixture.start(models: SimulatorFixture.models(rpm: 1))
        let first = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await fixture.stop()
        _ = try first.get()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .retry && failure.httpStatus == 429 && failure.code == "rate_limit_exceeded")
        let limit = try #require(failure.rateLimitMessage)
        #expect(limit.kind == .requestsPerMinute && limit.limit == 1 && limit.used == 1 && limit.requested == 1)
        #expect(limit.retryAfter.map { $0 > 50 && $0 <= 60 } == true)
        #expect(failure.rateLimits.retryAfter.map { $0 >= 50 && $0 <= 60 } == true)
        #expect(failure.providerWait.map { $0 > 50 } == true)
    }

    @Test(
        arguments: [
            (FaultRates(serverError: 1), 500, "internal_server_error"),
            (FaultRates(unavailable: 1), 503, "service_unavailable"),
            (FaultRates(edgeTimeout: 1), 524, "http_524"),
            (FaultRates(capacityExceeded: 1), 498, "capacity_exceeded"),
            (FaultRates(truncated: 1), 200, "invalid_response"),
        ] as [(FaultRates, Int, String)])
    func serverFaultsAreRetries(faults: FaultRates, status: Int, code: String) async throws {
        let fixture = try await SimulatorFixture.start(faults: faults)
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .retry, "\(failure)")
        #expect(failure.httpStatus == status && failure.code == code)
        if status == 524 { #expect(failure.message.contains("non-JSON body")) }
    }

    @Test func aHungServerCostsOneTimeout() async throws {
        let fixture = try await SimulatorFixture.start(faults: FaultRates(hang: 1), timeout: 1)
        let started = ContinuousClock.now
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        let waited = ContinuousClock.now - started
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .retry && failure.code == "timeout" && failure.httpStatus == nil)
        #expect(waited < .seconds(20), "the hang lasts 30 s; the client must give up long before")
    }

    @Test func aResetConnectionIsARetry() async throws {
        let fixture = try await SimulatorFixture.start(faults: FaultRates(reset: 1))
        let result = await fixture.client.chat(requestJSON: SimulatorFixture.body(), model: SimulatorFixture.model)
        try await fixture.stop()
        let failure = try failure(result)
        #expect(failure.outcomeClass == .retry && failure.code == "connection_error" && failure.httpStatus == nil, "\(failure)")
    }

    @Test func nothingListeningIsARetry() async throws {
        let client = try GroqClient(
            configuration: GroqClientConfiguration(
                baseURL: "http://127.0.0.1:9/openai/v1", apiKey: APIKey("k"), connectTimeout: 1, requestTimeout: 2))
        let result = await client.chat(requestJSON: SimulatorFixture.body(), model: "m")
        try await client.shutdown()
        #expect(try failure(result).outcomeClass == .retry)
    }

    @Test func theModelListComesFromModels() async throws {
        let fixture = try await SimulatorFixture.start()
        let listed: Result<[ModelInfo], ChatFailure>
        do throws(ChatFailure) { listed = .success(try await fixture.client.models()) } catch { listed = .failure(error) }
        try await fixture.stop()
        let models = try listed.get()
        #expect(Set(models.map(\.id)) == [SimulatorFixture.model, SimulatorFixture.small])
        #expect(models.first { $0.id == SimulatorFixture.model }?.contextWindow == 8192)
    }

    @Test func plainHTTPToARemoteHostIsRefused() {
        #expect(throws: GroqClient.ConfigurationError.self) {
            _ = try GroqClient(configuration: GroqClientConfiguration(baseURL: "http://api.example.com/v1", apiKey: APIKey("k")))
        }
        #expect(throws: GroqClient.ConfigurationError.self) {
            _ = try GroqClient(configuration: GroqClientConfiguration(baseURL: "ftp://x", apiKey: APIKey("k")))
        }
    }
}
