import Foundation
import TestSupport
import Testing

/// `groqbatch sim` as a subprocess: the first line names the port, and SIGTERM stops it.
struct SimCommandTests {
    @Test func theFirstLineNamesAnEphemeralPortAndTermStopsIt() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PackagePaths.binary)
        process.arguments = ["sim", "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try ProcessLaunch.run(process)
        defer { if process.isRunning { process.terminate() } }
        var buffer = Data()
        while !buffer.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let firstLine = String(decoding: buffer.prefix { $0 != 0x0A }, as: UTF8.self)
        let match = try #require(firstLine.wholeMatch(of: #/listening on http://127\.0\.0\.1:(\d+)/#), "\(firstLine)")
        let port = try #require(Int(String(match.output.1)))
        #expect(port > 0)
        let directory = TemporaryDirectory("sim")
        #expect(try await CommandRun.groqbatchAwaiting(["init", "--db", directory.path("q.sqlite")]).status == 0)
        let models = try await CommandRun.groqbatchAwaiting(
            ["models", "--refresh", "--base-url", "http://127.0.0.1:\(port)/openai/v1", "--db", directory.path("q.sqlite")],
            environment: ["GROQ_API_KEY": "sim-key"])
        #expect(models.status == 0 && models.stdout.contains("openai/gpt-oss-20b"), "\(models.stderr)")
        #expect(models.stderr.contains("http://127.0.0.1:\(port)/openai/v1 lists"), "\(models.stderr)")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func aMissingKeyIsOneLine() async throws {
        let directory = TemporaryDirectory("sim")
        let result = try await CommandRun.groqbatchAwaiting(["models", "--refresh", "--db", directory.path("q.sqlite")], environment: ["GROQ_API_KEY": ""])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("groqbatch: GROQ_API_KEY is not set"))
    }
}
