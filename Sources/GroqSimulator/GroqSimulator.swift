import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A Groq-compatible HTTP server on loopback, for the demo, the tests and the benchmarks.
///
/// It serves `/openai/v1/chat/completions`, `/openai/v1/models` and the Batch API (`/files`,
/// `/batches`, output files) with Groq's JSON shapes, headers and error bodies; enforces per-model
/// limits (requests and tokens per minute and per day, in rolling windows, with Groq's 429 bodies),
/// the flex tier's capacity and batch windows; simulates latency; injects faults (5xx, 429s, resets,
/// malformed bodies, failed batch lines); and logs every request to a JSONL file the tests and the
/// benchmarks read as the truth.
public final class GroqSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    /// The port it listens on.
    public let port: Int
    let state: SimulatorState
    let log: RequestLog
    let serviceGroup: ServiceGroup
    let task: Task<Void, any Error>

    /// The base URL a client uses, e.g. `http://127.0.0.1:50123/openai/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/openai/v1" }

    /// Starts listening on `host:port` (port 0 picks a free one) and returns once the port is bound.
    public static func start(
        configuration: SimulatorConfiguration, host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "groqbatch.simulator")
    ) async throws -> GroqSimulator {
        let state = SimulatorState(configuration: configuration)
        let log = try RequestLog(path: configuration.requestLog)
        let router = Router()
        SimulatorRoutes(state: state, log: log).register(on: router)
        BatchRoutes(
            store: BatchStore(settings: configuration.batches, models: configuration.models, seed: configuration.seed, faults: configuration.faults),
            log: log, apiKey: configuration.apiKey
        ).register(on: router)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var quietLogger = logger
        quietLogger.logLevel = max(logger.logLevel, .warning)
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionResetHandler()], idleTimeout: nil)),
            configuration: .init(address: .hostname(host, port: port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quietLogger))
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var boundPort: Int?
        for await value in ports { boundPort = value }
        guard let boundPort else {
            try await task.value
            throw StartError(description: "the simulator stopped before listening on \(host):\(port)")
        }
        return GroqSimulator(configuration: configuration, port: boundPort, state: state, log: log, serviceGroup: group, task: task)
    }

    init(configuration: SimulatorConfiguration, port: Int, state: SimulatorState, log: RequestLog, serviceGroup: ServiceGroup, task: Task<Void, any Error>) {
        self.configuration = configuration
        self.port = port
        self.state = state
        self.log = log
        self.serviceGroup = serviceGroup
        self.task = task
    }

    /// Stops listening, ends hung requests, waits for in-flight ones and closes the request log.
    public func stop() async {
        await state.stop()
        await serviceGroup.triggerGracefulShutdown()
        _ = try? await task.value
        await log.close()
    }

    /// Waits until the simulator stops (for `groqbatch sim`, which stops on a signal).
    public func wait() async throws {
        try await task.value
        await log.close()
    }

    /// Changes a model's limits while running.
    public func setLimits(model: String, rpm: Int? = nil, rpd: Int? = nil, tpm: Int? = nil, tpd: Int? = nil) async -> Bool {
        var limits: [ModelMeters.Kind: Int] = [:]
        limits[.rpm] = rpm
        limits[.rpd] = rpd
        limits[.tpm] = tpm
        limits[.tpd] = tpd
        return await state.setLimits(model: model, limits: limits)
    }

    /// Responses sent so far, by HTTP status (0 for resets and hangs).
    public func statusCounts() async -> [Int: Int] {
        await state.statusCounts
    }

    /// Why the simulator could not start.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }
}
