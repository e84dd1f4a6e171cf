import Foundation
import GroqSimulator
import TestSupport
import Testing

/// The official groq Python SDK, run against the simulator, must see Groq: the proof the simulator's
/// shapes are right, independent of groqbatch's own client.
struct GroqSDKConformanceTests {
    /// The first python3 on PATH: the one `make deps` installed the SDK into.
    static let python: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { "\($0)/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: python != nil, "python3 is absent: the groq SDK conformance check needs it"))
    func theOfficialSDKParsesCompletionsRateLimitsAndAuthErrors() async throws {
        let python = try #require(Self.python)
        let probe = try CommandRun.run(python, ["-c", "import groq"])
        try #require(probe.status == 0, "python3 has no groq package: run `make deps` (pip install groq)")
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: [SimulatedModel(id: "sdk/model"), SimulatedModel(id: "sdk/limited", rpm: 1, rpd: 1000, tpm: 10_000)], speedFactor: 0))
        let script = PackagePaths.path("Tests/GroqSimulatorTests/Conformance/groq_sdk_conformance.py")
        // Awaited off the cooperative pool: the in-process simulator must keep its threads to answer.
        let run = try await CommandRun.runAwaiting(python, [script, "http://127.0.0.1:\(simulator.port)", "sdk/model", "sdk/limited"])
        await simulator.stop()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.components(separatedBy: "ok:").count == 5, "\(run.stdout)")
    }
}
