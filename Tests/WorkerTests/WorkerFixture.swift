import Foundation
import GroqClient
import GroqSimulator
import Logging
import QueueStore
import TestSupport
import Worker

/// A queue file, a simulator on an ephemeral port, and helpers to fill the queue and run workers.
struct WorkerFixture {
    let directory = TemporaryDirectory("worker")
    let simulator: GroqSimulator
    let store: SQLiteJobStore
    var dbPath: String { directory.path("queue.sqlite") }
    var requestLog: String { directory.path("requests.jsonl") }
    /// A catalog that knows the simulator's models have no limits, so workers do not pace them as unknowns.
    var catalogPath: String {
        directory.write(
            "catalog.json",
            #"{"models": [{"id": "sim/fast", "max_output": 256}, {"id": "sim/tiny", "max_output": 32}, {"id": "sim/retired"}, {"id": "sim/unknown"}]}"#)
    }

    static let fast = "sim/fast"
    static let tiny = "sim/tiny"
    static let retired = "sim/retired"

    static let models = [
        SimulatedModel(id: fast, contextWindow: 8192, maxOutput: 256, tokensPerSecond: 2000),
        SimulatedModel(id: tiny, contextWindow: 48, maxOutput: 32, tokensPerSecond: 2000),
        SimulatedModel(id: retired, decommissioned: true),
    ]

    init(
        faults: FaultRates = FaultRates(), speed: Double = 0, queueDelay: Double = 0.05, seed: UInt64 = 42, apiKey: String = "sim-key",
        hangSeconds: Double = 30
    ) async throws {
        let log = directory.path("requests.jsonl")
        simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                apiKey: apiKey, models: Self.models, speedFactor: speed, queueDelay: queueDelay, faults: faults, seed: seed, hangSeconds: hangSeconds,
                requestLog: log))
        store = try SQLiteJobStore(path: directory.path("queue.sqlite"))
    }

    /// Adds `count` jobs with the given chain; `body` may override the request.
    /// Ten tries per model (not the default five) keeps fault-heavy tests from failing jobs by chance:
    /// at a 30% fault rate a job fails ten times in a row once in 170,000.
    func addJobs(
        _ count: Int, models: [String] = [fast], batch: String = "b", prefix: String = "j", maxAttempts: Int = 10, tokenCap: Int? = nil,
        body: ((Int) -> String)? = nil
    ) throws {
        _ = try store.importJobs(into: BatchSpec(name: batch, source: "test", models: models, maxAttempts: maxAttempts, tokenCap: tokenCap)) { sink in
            for n in 1...count {
                let request = body?(n) ?? #"{"max_tokens":24,"messages":[{"content":"Prompt number \#(n) for the worker.","role":"user"}]}"#
                _ = try sink.add(NewJob(line: n, customID: "\(prefix)\(n)", requestJSON: request, models: models, promptCharacters: 30, maxTokens: 24))
            }
        }
    }

    func client(key: String = "sim-key", timeout: Double = 10) throws -> GroqClient {
        // A connect timeout no loaded machine reaches on loopback: these tests are not about connecting.
        try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey(key), connectTimeout: 15, requestTimeout: timeout))
    }

    /// Runs one in-process worker to its end and returns it.
    func runWorker(_ configuration: WorkerConfiguration, key: String = "sim-key", timeout: Double = 10) async throws -> QueueWorker {
        let client = try client(key: key, timeout: timeout)
        var logger = Logger(label: "test.worker")
        logger.logLevel = .error
        let worker = QueueWorker(store: store, executor: client, configuration: configuration, logger: logger)
        try await worker.run()
        try await client.shutdown()
        return worker
    }

    func sql(_ query: String) throws -> String {
        try SQLiteShell.run([dbPath, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() async {
        await simulator.stop()
    }

    /// A fast configuration for tests: short backoff, short idle polls.
    static func configuration(drain: Bool = true, concurrency: Int = 8, maxAttempts _: Int = 5) -> WorkerConfiguration {
        WorkerConfiguration(concurrency: concurrency, drain: drain, idlePollInterval: 0.05, backoff: .exponentialJitter(base: 0.02, cap: 0.1))
    }
}
