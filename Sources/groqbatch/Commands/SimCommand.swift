import ArgumentParser
import Foundation
import GroqSimulator
import Logging
import ServiceLifecycle

/// `groqbatch sim`: runs the Groq-compatible simulator until SIGTERM or SIGINT.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a Groq-compatible API simulator on loopback (for demos, tests and benchmarks).",
        discussion: """
            The first line printed is `listening on http://127.0.0.1:PORT`; point groqbatch at it with:
              GROQ_API_KEY=sim-key groqbatch work \\
                --base-url http://127.0.0.1:PORT/openai/v1
            It serves POST /openai/v1/chat/completions and GET /openai/v1/models with Groq's shapes, headers, \
            429 bodies and error codes, the `flex` service tier (its own limits, 498 when busy), and the Batch \
            API: /files (upload, list, retrieve, content) and /batches (create, list, retrieve, cancel). \
            POST /admin/limits {"model": ID, "rpm": N, "tpm": N, ...} changes limits while it runs. \
            The configuration file (JSON) may set: api_key, models [{id, context_window, max_output, rpm, rpd, \
            tpm, tpd, tokens_per_second, decommissioned}], enforcement (rolling|bucket), speed_factor, \
            queue_delay, seed, hang_seconds, request_log, faults {server_error, unavailable, edge_timeout, \
            capacity_exceeded, hang, reset, truncated, rate_limited} as probabilities, flex_limit_multiplier, \
            flex_busy_rate, and batches {lines_per_second, seconds_per_window_hour, validation_seconds, \
            finalizing_seconds, fault_rate}.
            """)

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "The address to listen on. Loopback only unless you mean it.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("A JSON configuration file (see above).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("api-key"), help: "The key clients must send (overrides the file).")
    var apiKey: String?

    @Option(name: .customLong("request-log"), help: ArgumentHelp("Append one JSON line per request here (overrides the file).", valueName: "file"))
    var requestLog: String?

    @Option(name: .customLong("speed"), help: "Multiply simulated latency: 1 is real time, 0 answers at once (overrides the file).")
    var speedFactor: Double?

    @Option(help: "How limits are enforced: rolling or bucket (overrides the file).")
    var enforcement: String?

    func run() async throws {
        try await failingClearly {
            var configuration = SimulatorConfiguration()
            if let config {
                do { configuration = try SimulatorConfiguration.load(path: config) } catch {
                    throw CommandFailure("\(error)")
                }
            }
            if let apiKey { configuration.apiKey = apiKey }
            if let requestLog { configuration.requestLog = requestLog }
            if let speedFactor { configuration.speedFactor = speedFactor }
            if let enforcement {
                guard let style = LimitEnforcement(rawValue: enforcement) else {
                    throw CommandFailure("--enforcement: expected rolling or bucket, got '\(enforcement)'")
                }
                configuration.enforcement = style
            }
            let simulator: GroqSimulator
            do { simulator = try await GroqSimulator.start(configuration: configuration, host: host, port: port) } catch {
                throw CommandFailure("cannot start the simulator on \(host):\(port): \(error)")
            }
            // Unbuffered: a parent process waits for this first line to learn the port.
            Console.out("listening on http://\(host):\(simulator.port)")
            Console.out("base URL: \(simulator.baseURL.replacingOccurrences(of: "127.0.0.1", with: host))  api key: \(configuration.apiKey)")
            let logger = Logger(label: "groqbatch.sim")
            let group = ServiceGroup(
                configuration: .init(
                    services: [SimulatorService(simulator: simulator)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// Keeps the simulator running under ServiceLifecycle and stops it on graceful shutdown.
struct SimulatorService: Service {
    let simulator: GroqSimulator

    func run() async throws {
        try? await gracefulShutdown()
        await simulator.stop()
    }
}
