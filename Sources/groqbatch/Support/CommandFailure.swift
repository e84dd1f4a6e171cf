import ArgumentParser
import Foundation
import JobFormats

/// An error the user can act on: printed as one line on standard error, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// Standard error, for messages that must not mix with data on standard output.
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes a line to standard output at once, without buffering.
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `value` as the pretty, key-sorted JSON every `--json` flag prints (dates as ISO 8601).
    /// Every `--json`: keys sorted, indented, slashes as they are (`qwen/qwen3.6-27b`) and numbers in
    /// plain decimals (`0.000081`), which Foundation's encoder writes as `qwen\/...` and `8.1e-05`.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try JSONValue.decode(encoder.encode(value)).prettyJSONString()
    }

    /// Whether standard error is a terminal (progress lines are only drawn there).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a `CommandFailure` into its line and exit code instead of ArgumentParser's
    /// `Error:` output with usage text.
    func failingClearly<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as CommandFailure {
            Console.error("groqbatch: \(failure.description)")
            throw ExitCode(failure.exitCode)
        }
    }
}
