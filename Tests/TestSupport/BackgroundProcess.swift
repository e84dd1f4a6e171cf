import Foundation

/// A child process left running while a test acts on it: signalled, killed, waited for.
public final class BackgroundProcess: @unchecked Sendable {
    public let process: Process
    /// Where its standard output and error go.
    public let logPath: String

    /// Starts `groqbatch` with `arguments`; output goes to `logPath`.
    public init(groqbatch arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: PackagePaths.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try ProcessLaunch.run(process)
    }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the exit, polling so a test's time limit is respected; returns the exit status.
    public func wait(timeout: Double = 120) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    public var output: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}
