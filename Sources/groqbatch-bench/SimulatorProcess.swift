import Foundation

/// `groqbatch sim` as a separate process, so its CPU is not the measured process's.
final class SimulatorProcess {
    let process = Process()
    let baseURL: String

    init(binary: String, configPath: String, requestLog: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["sim", "--port", "0", "--config", configPath] + (requestLog.map { ["--request-log", $0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var firstLine = Data()
        while !firstLine.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine.append(chunk)
        }
        guard let port = String(decoding: firstLine, as: UTF8.self).split(separator: "\n").first?.split(separator: ":").last else {
            process.terminate()
            throw BenchError("the simulator did not say its port")
        }
        baseURL = "http://127.0.0.1:\(port)/openai/v1"
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
