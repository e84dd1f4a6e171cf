import Foundation

/// `groqbatch sim` as its own process, for tests whose timings must not share the test process's threads.
public final class SimulatorProcess: Sendable {
    public let process: BackgroundProcess
    public let baseURL: String

    /// Starts the simulator with a JSON configuration and waits for its first line.
    public init(configuration json: String, requestLog: String, in directory: TemporaryDirectory) async throws {
        let config = directory.write("simulator.json", json)
        process = try BackgroundProcess(
            groqbatch: ["sim", "--port", "0", "--config", config, "--request-log", requestLog],
            logPath: directory.path("simulator.out"))
        let deadline = Date().addingTimeInterval(20)
        while true {
            if let line = process.output.split(separator: "\n").first, let match = line.wholeMatch(of: #/listening on (http://127\.0\.0\.1:\d+)/#) {
                baseURL = "\(match.output.1)/openai/v1"
                return
            }
            guard Date() < deadline, process.process.isRunning else {
                throw StartError(output: process.output)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Why the simulator did not start.
    public struct StartError: Error, CustomStringConvertible {
        public var output: String
        public var description: String { "the simulator did not start: \(output)" }
    }

    public func stop() async {
        process.signal(SIGTERM)
        _ = await process.wait(timeout: 10)
    }
}
