import Foundation
import GroqClient
import GroqSimulator
import TestSupport
import Testing

/// The simulator's `service_tier: flex`: limits of its own, ten times on-demand's, and fast 498s when busy.
struct FlexTierTests {
    static let model = "sim/flex"

    func body(_ tier: String) -> String {
        #"{"messages":[{"role":"user","content":"hello"}],"max_tokens":10,"service_tier":"\#(tier)"}"#
    }

    @Test func flexHasItsOwnLargerLimits() async throws {
        var configuration = SimulatorConfiguration(models: [SimulatedModel(id: Self.model, rpm: 2, tpm: 1_000)], speedFactor: 0)
        configuration.flexLimitMultiplier = 10
        let simulator = try await GroqSimulator.start(configuration: configuration)
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key")))
        var onDemand: [Int] = []
        for _ in 0..<3 {
            switch await client.chat(requestJSON: body("on_demand"), model: Self.model) {
            case .success(let answer): onDemand.append(answer.httpStatus)
            case .failure(let failure): onDemand.append(failure.httpStatus ?? 0)
            }
        }
        var flex: [Result<ChatSuccess, ChatFailure>] = []
        for _ in 0..<5 { flex.append(await client.chat(requestJSON: body("flex"), model: Self.model)) }
        try await client.shutdown()
        await simulator.stop()
        #expect(onDemand == [200, 200, 429])
        let answers = try flex.map { try $0.get() }
        #expect(answers.count == 5, "flex's 20 requests a minute are not on-demand's 2")
        #expect(answers.allSatisfy { $0.completion.rawBody.contains(#""service_tier":"flex""#) })
        #expect(answers.last?.rateLimits.tokensPerMinuteLimit == 10_000)
    }

    @Test func aBusyFlexTierAnswers498AtOnce() async throws {
        var configuration = SimulatorConfiguration(models: [SimulatedModel(id: Self.model)], speedFactor: 0)
        configuration.flexBusyRate = 1
        let simulator = try await GroqSimulator.start(configuration: configuration)
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key")))
        let flex = await client.chat(requestJSON: body("flex"), model: Self.model)
        let onDemand = await client.chat(requestJSON: body("on_demand"), model: Self.model)
        try await client.shutdown()
        await simulator.stop()
        guard case .failure(let failure) = flex else {
            Issue.record("flex was not refused")
            return
        }
        #expect(failure.httpStatus == 498 && failure.code == "capacity_exceeded" && failure.outcomeClass == .retry)
        #expect((try? onDemand.get()) != nil, "on-demand is not affected")
    }
}
