import Foundation
import GroqClient
import GroqSimulator
import Testing

/// Calls that never reach the provider say so, in words, and are marked as such: the worker pauses
/// for an outage instead of using up jobs' tries.
struct UnreachableProviderTests {
    func call(_ baseURL: String) async throws -> ChatFailure {
        // Generous timeouts: on a loaded machine the in-process simulator may take seconds to answer, and
        // a timeout is not what these tests are about.
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: baseURL, apiKey: APIKey("sim-key"), connectTimeout: 60, requestTimeout: 90))
        let result = await client.chat(requestJSON: #"{"messages":[{"role":"user","content":"hi"}]}"#, model: "m")
        try await client.shutdown()
        guard case .failure(let failure) = result else {
            Issue.record("a call to \(baseURL) succeeded")
            throw CancellationError()
        }
        return failure
    }

    @Test func aRefusedConnectionIsAnUnreachableProviderNotAJobsFault() async throws {
        // A port that was just free: nothing listens there.
        let simulator = try await GroqSimulator.start(configuration: SimulatorConfiguration(speedFactor: 0))
        let port = simulator.port
        await simulator.stop()
        let failure = try await call("http://127.0.0.1:\(port)/openai/v1")
        #expect(failure.code == "provider_unreachable", "\(failure)")
        #expect(failure.unreachable?.contains("connection refused") == true, "\(failure)")
        #expect(failure.outcomeClass == .retry)
    }

    @Test func httpsToAPlainHTTPServerIsSaidInWords() async throws {
        let simulator = try await GroqSimulator.start(configuration: SimulatorConfiguration(speedFactor: 0))
        let failure = try await call("https://127.0.0.1:\(simulator.port)/openai/v1")
        await simulator.stop()
        #expect(failure.unreachable?.contains("https to a server that speaks plain http") == true, "\(failure)")
        #expect(!failure.message.contains("BoringSSL") && !failure.message.contains(".swift"), "\(failure.message)")
    }

    @Test func aResetMidCallIsOneCallsBadLuckNotAnOutage() async throws {
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                apiKey: "sim-key", models: [SimulatedModel(id: "m")], speedFactor: 0, faults: FaultRates(reset: 1)))
        let failure = try await call(simulator.baseURL)
        await simulator.stop()
        #expect(failure.unreachable == nil, "\(failure)")
        #expect(failure.code == "connection_error", "\(failure)")
    }
}
