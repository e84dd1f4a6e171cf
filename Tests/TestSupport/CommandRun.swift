import Foundation

/// One finished run of a command: its exit status and what it printed.
public struct CommandRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Runs `executable` with `arguments` to completion, feeding `input` to its standard input.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil,
        environment: [String: String] = [:], directory: String? = nil
    ) throws -> CommandRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try ProcessLaunch.run(process)
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes while the process runs, so a chatty child never blocks on a full pipe.
        let stdoutData = LockedData()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stdoutData.set(out.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandRun(
            status: process.terminationStatus, stdout: String(decoding: stdoutData.get(), as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the groqbatch binary and waits for it on a Dispatch thread, not on one of the two threads of
    /// Swift's cooperative pool: a test whose in-process simulator answers the child must not block them.
    public static func groqbatchAwaiting(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: String? = nil
    ) async throws -> CommandRun {
        try await runAwaiting(PackagePaths.binary, arguments, input: input, environment: environment, directory: directory)
    }

    /// Runs any executable and waits for it on a Dispatch thread (see `groqbatchAwaiting`).
    public static func runAwaiting(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: String? = nil
    ) async throws -> CommandRun {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try run(executable, arguments, input: input, environment: environment, directory: directory)
                    })
            }
        }
    }

    /// Runs the groqbatch binary.
    public static func groqbatch(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: String? = nil
    ) throws -> CommandRun {
        try run(PackagePaths.binary, arguments, input: input, environment: environment, directory: directory)
    }
}

/// Data handed from the reading thread to the waiting one.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}
