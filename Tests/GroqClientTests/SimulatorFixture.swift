import GroqClient
import GroqSimulator
import TestSupport

/// A simulator on an ephemeral loopback port and a client pointed at it; `stop()` shuts both down.
struct SimulatorFixture {
    let simulator: GroqSimulator
    let client: GroqClient
    let directory: TemporaryDirectory

    static let model = "test/fast"
    static let small = "test/small"

    static func models(rpm: Int = 0, tpm: Int = 0) -> [SimulatedModel] {
        [
            SimulatedModel(id: model, contextWindow: 8192, maxOutput: 1024, rpm: rpm, tpm: tpm, tokensPerSecond: 1000),
            SimulatedModel(id: small, contextWindow: 64, maxOutput: 32, tpm: 50),
            SimulatedModel(id: "test/retired", decommissioned: true),
        ]
    }

    /// `timeout` is generous: these tests are about what the client makes of answers, and the suite runs
    /// beside process tests that keep both cores busy (a fresh clone's run saw 10 s go by unanswered).
    static func start(
        models: [SimulatedModel] = SimulatorFixture.models(), faults: FaultRates = FaultRates(), key: String = "sim-key",
        timeout: Double = 60, enforcement: LimitEnforcement = .rollingWindow
    ) async throws -> SimulatorFixture {
        let directory = TemporaryDirectory("sim")
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: models, enforcement: enforcement, speedFactor: 0, faults: faults, hangSeconds: 30,
                requestLog: directory.path("requests.jsonl")))
        let client = try GroqClient(
            configuration: GroqClientConfiguration(
                baseURL: simulator.baseURL, apiKey: APIKey(key), connectTimeout: 15, requestTimeout: timeout))
        return SimulatorFixture(simulator: simulator, client: client, directory: directory)
    }

    func stop() async throws {
        try await client.shutdown()
        await simulator.stop()
    }

    static func body(_ prompt: String = "Say hello to the queue.", maxTokens: Int = 64, extra: String = "") -> String {
        #"{"messages":[{"role":"user","content":\#(quoted(prompt))}],"max_tokens":\#(maxTokens)\#(extra)}"#
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
