import Foundation
import TestSupport
import Testing

/// The configuration layers, as a user meets them: a file, environment variables, flags, `config show`.
struct ConfigCommandTests {
    let directory = TemporaryDirectory("config")

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandRun {
        // No configuration of the machine running the tests leaks in.
        var clean = environment
        for name in ["GROQBATCH_DB", "GROQBATCH_CONFIG", "GROQBATCH_BASE_URL"] where clean[name] == nil { clean[name] = "" }
        return try await CommandRun.groqbatchAwaiting(arguments, environment: clean, directory: directory.url.path)
    }

    struct Shown: Decodable {
        var value: String
        var source: String
    }

    func show(_ arguments: [String] = [], environment: [String: String] = [:]) async throws -> [String: Shown] {
        let result = try await run(["config", "show", "--json"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode([String: Shown].self, from: Data(result.stdout.utf8))
    }

    @Test func flagsBeatTheEnvironmentWhichBeatsTheFileWhichBeatsDefaults() async throws {
        _ = directory.write(
            "groqbatch.json", #"{"db": "file.sqlite", "timeout": 5, "work": {"concurrency": 32, "grace": 10, "windows": ["22:00-06:00", "12:00-13:00"]}}"#)
        let shown = try await show(["--db", "flag.sqlite"], environment: ["GROQBATCH_WORK_CONCURRENCY": "24", "GROQBATCH_DB": "env.sqlite"])
        #expect(shown["db"]?.value == "flag.sqlite" && shown["db"]?.source == "command line")
        #expect(shown["work.concurrency"]?.value == "24" && shown["work.concurrency"]?.source == "GROQBATCH_WORK_CONCURRENCY")
        #expect(shown["work.grace"]?.value == "10" && shown["work.grace"]?.source == "groqbatch.json")
        #expect(shown["work.windows"]?.value == "22:00-06:00,12:00-13:00")
        #expect(shown["timeout"]?.value == "5")
        #expect(shown["work.lease"]?.value == "60" && shown["work.lease"]?.source == "default")
        // The file's db is the one commands open, when nothing above it says otherwise.
        #expect(try await run(["init"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("file.sqlite")))
    }

    @Test func theKeyIsShownRedactedAndNeverReadFromAFile() async throws {
        let secret = "test-secret-value-123"
        let shown = try await show(environment: ["GROQ_API_KEY": secret])
        #expect(shown["api_key"]?.value == "(set, redacted)")
        let table = try await run(["config", "show"], environment: ["GROQ_API_KEY": secret])
        #expect(!table.stdout.contains(secret) && !table.stderr.contains(secret))
        _ = directory.write("groqbatch.json", #"{"api_key": "\#(secret)"}"#)
        let refused = try await run(["status"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("groqbatch.json: api_key: the API key is never read from a file"))
        #expect(!refused.stderr.contains(secret))
    }

    @Test func badFilesAndValuesAreOneLineNamingTheFileOrVariableAndTheKey() async throws {
        let cases: [(file: String, expected: String)] = [
            (#"{"work": {"concurency": 3}}"#, "groqbatch.json: work.concurency: unknown key"),
            (#"{"work": {"concurrency": "8"}}"#, "groqbatch.json: work.concurrency: expected an integer, got a string"),
            (#"{"work": {"concurrency": 2.5}}"#, "groqbatch.json: work.concurrency: expected an integer, got a number"),
            (#"{"work": 3}"#, "groqbatch.json: work: expected an object"),
            (#"{"work": {"windows": ["22:00-06:00", 7]}}"#, "groqbatch.json: work.windows: expected an array of strings"),
            (#"{"db": "#, "groqbatch.json: not valid JSON"),
            (#"[1]"#, "groqbatch.json: must hold a JSON object"),
        ]
        for (text, expected) in cases {
            _ = directory.write("groqbatch.json", text)
            let result = try await run(["status"])
            #expect(result.status == 1, "\(text)")
            #expect(result.stderr.hasPrefix("groqbatch: \(expected)"), "\(text): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        try FileManager.default.removeItem(atPath: directory.path("groqbatch.json"))
        let badEnvironment = try await run(["status"], environment: ["GROQBATCH_WORK_GRACE": "soon"])
        #expect(badEnvironment.stderr.contains("environment variable GROQBATCH_WORK_GRACE: expected a number, got 'soon'"))
        let missing = try await run(["status", "--config", "nowhere.json"])
        #expect(missing.status == 1 && missing.stderr.contains("nowhere.json: cannot read the configuration file"))
        // Values of the right type but out of range name their source too.
        _ = directory.write("settings.json", #"{"work": {"windows": ["22:00"]}}"#)
        let window = try await run(["work", "--drain", "--config", "settings.json"], environment: ["GROQ_API_KEY": "sim-key"])
        #expect(window.status == 1)
        #expect(window.stderr.contains("work.windows (from settings.json): cannot read window '22:00'"), "\(window.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("groqbatch.sqlite")), "nothing was created")
    }
}
