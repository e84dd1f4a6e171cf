import AsyncHTTPClient
import Foundation
import GroqClient
import TestSupport
import Testing

@testable import GroqSimulator

struct SimulatorServerTests {
    static let model = "sim/limited"

    func start(_ model: SimulatedModel, enforcement: LimitEnforcement = .rollingWindow, speed: Double = 0, directory: TemporaryDirectory) async throws -> (
        GroqSimulator, GroqClient
    ) {
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: [model], enforcement: enforcement, speedFactor: speed, requestLog: directory.path("log.jsonl")))
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key"), maxConnectionsPerHost: 600))
        return (simulator, client)
    }

    let body = #"{"messages":[{"role":"user","content":"hello"}],"max_tokens":20}"#

    @Test(arguments: LimitEnforcement.allCases)
    func requestsPastTheLimitGet429sUnderEitherStyle(style: LimitEnforcement) async throws {
        let directory = TemporaryDirectory()
        let (simulator, client) = try await start(SimulatedModel(id: Self.model, rpm: 5), enforcement: style, directory: directory)
        var statuses: [Int] = []
        let started = Date()
        for _ in 0..<8 {
            switch await client.chat(requestJSON: body, model: Self.model) {
            case .success: statuses.append(200)
            case .failure(let failure): statuses.append(failure.httpStatus ?? 0)
            }
        }
        try await client.shutdown()
        await simulator.stop()
        // A bucket refills one request every 12 s: a loaded machine that takes that long for the eight
        // gets one more in (a rolling window gives none back within the minute).
        let elapsed = Date().timeIntervalSince(started)
        let refilled = style == .refillingBucket ? Int(elapsed * 5 / 60) : 0
        #expect(Array(statuses.prefix(5)) == [200, 200, 200, 200, 200], "\(statuses)")
        #expect(statuses.filter { $0 == 200 }.count <= 5 + refilled, "\(statuses) in \(elapsed) s")
        #expect(statuses.contains(429) || refilled >= 3, "\(statuses)")
        if refilled == 0 { #expect(statuses == [200, 200, 200, 200, 200, 429, 429, 429]) }
        let log = try String(contentsOfFile: directory.path("log.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 8)
        let entries = try log.map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        #expect(entries.filter { $0.status == 429 }.allSatisfy { $0.code == "rate_limit_exceeded" })
    }

    @Test func tokensAreReservedAtAdmissionAndSettledAfter() async throws {
        let directory = TemporaryDirectory()
        let (simulator, client) = try await start(SimulatedModel(id: Self.model, tpm: 1000), directory: directory)
        // 5 + 900 reserved: a second such request cannot fit while the first is reserved, but fits after settling.
        let big = #"{"messages":[{"role":"user","content":"hello"}],"max_tokens":900}"#
        let first = try await client.chat(requestJSON: big, model: Self.model).get()
        let used = first.completion.usage.totalTokens
        #expect(first.rateLimits.tokensPerMinuteRemaining == 1000 - used, "the unused reservation is refunded")
        let second = await client.chat(requestJSON: big, model: Self.model)
        try await client.shutdown()
        await simulator.stop()
        #expect((try? second.get()) != nil, "after settling, \(1000 - used) tokens are free for 905")
    }

    @Test func limitsChangeWhileRunning() async throws {
        let directory = TemporaryDirectory()
        let (simulator, client) = try await start(SimulatedModel(id: Self.model), directory: directory)
        _ = try await client.chat(requestJSON: body, model: Self.model).get()
        #expect(await simulator.setLimits(model: Self.model, rpm: 1))
        let refused = await client.chat(requestJSON: body, model: Self.model)
        try await client.shutdown()
        await simulator.stop()
        guard case .failure(let failure) = refused else {
            Issue.record("expected a 429")
            return
        }
        #expect(failure.rateLimitMessage?.kind == .requestsPerMinute && failure.rateLimitMessage?.limit == 1)
    }

    @Test func itHolds500ConcurrentConnections() async throws {
        let directory = TemporaryDirectory()
        // Half a second of simulated latency keeps all 500 requests open at the same time.
        let model = SimulatedModel(id: Self.model, tokensPerSecond: 100)
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: [model], speedFactor: 1, queueDelay: 0.3))
        let client = try GroqClient(
            configuration: GroqClientConfiguration(
                baseURL: simulator.baseURL, apiKey: APIKey("sim-key"), requestTimeout: 60, maxConnectionsPerHost: 500))
        let succeeded = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let body = #"{"messages":[{"role":"user","content":"request \#(index)"}],"max_tokens":20}"#
                    return (try? await client.chat(requestJSON: body, model: Self.model).get()) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        try await client.shutdown()
        await simulator.stop()
        #expect(succeeded == 500)
        _ = directory
    }

    @Test func aConfigurationFileWithAnUnknownKeyIsRefusedByName() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("sim.json", #"{"models":[{"id":"m","rpm":5,"tmp":100}]}"#)
        do {
            _ = try SimulatorConfiguration.load(path: path)
            Issue.record("accepted an unknown key")
        } catch {
            #expect("\(error)".contains("sim.json") && "\(error)".contains("tmp"), "\(error)")
        }
        let good = directory.write("good.json", #"{"enforcement":"bucket","models":[{"id":"m","rpm":5}],"faults":{"hang":0.01}}"#)
        let loaded = try SimulatorConfiguration.load(path: good)
        #expect(loaded.enforcement == .refillingBucket && loaded.models.first?.rpm == 5 && loaded.faults.hang == 0.01)
    }
}
