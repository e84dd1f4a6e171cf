import Foundation
import TestSupport
import Testing

@testable import groqbatch

/// The configuration layers at their edges: a `GROQBATCH_*` variable that names no setting, and a
/// configuration file that would choose where the API key goes.
struct ConfigTrustTests {
    let directory = TemporaryDirectory("config-trust")

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandRun {
        // No configuration of the machine running the tests leaks in.
        var clean = environment
        for name in ["GROQBATCH_DB", "GROQBATCH_CONFIG", "GROQBATCH_BASE_URL", "GROQBATCH_API_KEY_ENV"] where clean[name] == nil { clean[name] = "" }
        return try await CommandRun.groqbatchAwaiting(arguments, environment: clean, directory: directory.url.path)
    }

    /// Writes `groqbatch.json` with `text`, owned by `owner` with `mode`; false when this user may not
    /// give a file away (the tests then run as someone other than root).
    func configFile(_ text: String, owner: uid_t = getuid(), mode: mode_t = 0o644) -> Bool {
        let path = directory.write("groqbatch.json", text)
        return chown(path, owner, getgid()) == 0 && chmod(path, mode) == 0
    }

    @Test func aVariableThatNamesNoSettingIsWarnedOnceWithTheClosestSetting() async throws {
        let result = try await run(
            ["config", "show"],
            environment: ["GROQBATCH_MAX_COST_PER_DAY": "1", "GROQBATCH_WORK_GRACE": "10", "GROQBATCH_TEST_POSTGRES": "postgres://x", "GROQBATCH_BIN": "x"])
        #expect(result.status == 0, "\(result.stderr)")
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("GROQBATCH_") }
        #expect(
            warnings == [
                "groqbatch: environment variable GROQBATCH_MAX_COST_PER_DAY names no setting and is ignored; did you mean "
                    + "GROQBATCH_WORK_MAX_COST_PER_DAY? (`groqbatch config show` lists the settings)"
            ], "\(result.stderr)")
    }

    @Test func onlyVariablesThatAreNeitherSettingsNorKnownToGroqbatchAreWarned() {
        var environment = Dictionary(uniqueKeysWithValues: SettingKey.allCases.map { ($0.environmentVariable, "1") })
        for name in UnknownVariables.allowed { environment[name] = "1" }
        environment["OTHER_TOOL_SETTING"] = "1"
        #expect(UnknownVariables.warnings(environment).isEmpty)
        environment["GROQBATCH_WORK_CONCURENCY"] = "8"
        #expect(UnknownVariables.warnings(environment).map { $0.contains("did you mean GROQBATCH_WORK_CONCURRENCY?") } == [true])
    }

    @Test func aFileSomeoneElseOwnsOrMayWriteCannotChooseWhereTheKeyGoes() async throws {
        let nobody: uid_t = 65_534
        #expect(try await run(["init"]).status == 0)
        let refusals: [(text: String, owner: uid_t, mode: mode_t, expected: String)] = [
            (
                #"{"base_url": "http://127.0.0.1:9/v1"}"#, nobody, 0o644,
                "groqbatch.json sets base_url, which decides where the API key goes, but is owned by another user (uid 65534)"
            ),
            (
                #"{"base_url": "http://127.0.0.1:9/v1"}"#, getuid(), 0o664,
                "groqbatch.json sets base_url, which decides where the API key goes, but is writable by its group or others"
            ),
            (#"{"api_key_env": "OTHER_SECRET"}"#, getuid(), 0o646, "groqbatch.json sets api_key_env, which decides where the API key goes, but is writable"),
        ]
        for (text, owner, mode, expected) in refusals {
            guard configFile(text, owner: owner, mode: mode) else {
                print("skipped: only root can give a file to another user")
                return
            }
            for command in [["work", "--drain"], ["models", "--refresh"]] {
                let result = try await run(command, environment: ["GROQ_API_KEY": "sim-key", "OTHER_SECRET": "other"])
                #expect(result.status == 1, "\(command) \(text): \(result.stderr)")
                #expect(result.stderr.hasPrefix("groqbatch: \(expected)"), "\(command) \(text): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
                #expect(result.stderr.contains("chmod go-w"), "says what to do: \(result.stderr)")
            }
        }
        // The same file is harmless when the user chooses the host, or when it only sets what is not the key's way.
        #expect(configFile(#"{"base_url": "http://127.0.0.1:9/v1"}"#, owner: nobody))
        let overridden = try await run(["work", "--drain", "--base-url", "http://127.0.0.1:9/v2"], environment: ["GROQ_API_KEY": "sim-key"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(configFile(#"{"timeout": 5}"#, owner: nobody, mode: 0o666))
        #expect(try await run(["work", "--drain"], environment: ["GROQ_API_KEY": "sim-key"]).status == 0)
        // Commands that never send the key read such a file as before; `config show` says why work would refuse.
        #expect(configFile(#"{"base_url": "http://127.0.0.1:9/v1"}"#, owner: nobody, mode: 0o666))
        #expect(try await run(["status"]).status == 0)
        let shown = try await run(["config", "show"])
        #expect(shown.status == 0 && shown.stdout.contains("http://127.0.0.1:9/v1"))
        #expect(shown.stderr.contains("groqbatch.json sets base_url, which decides where the API key goes, but is owned by another user"), "\(shown.stderr)")
    }

    @Test func commandsThatSendTheKeySayOnceWhereItGoesAndWhoChoseIt() async throws {
        #expect(try await run(["init"]).status == 0)
        #expect(configFile(#"{"base_url": "http://127.0.0.1:9/openai/v1"}"#))
        let work = try await run(["work", "--drain"], environment: ["GROQ_API_KEY": "sim-key"])
        #expect(work.status == 0, "\(work.stderr)")
        let said = work.stderr.split(separator: "\n").filter { $0.contains("sending the API key") }
        #expect(said.count == 1 && said[0].hasSuffix("sending the API key ($GROQ_API_KEY) to 127.0.0.1:9 (base URL from ./groqbatch.json)"), "\(work.stderr)")
        let refresh = try await run(["models", "--refresh", "--base-url", "http://localhost:9/v1"], environment: ["GROQ_API_KEY": "sim-key"])
        #expect(
            refresh.stderr.split(separator: "\n").filter { $0.contains("sending the API key") }
                == ["groqbatch: sending the API key ($GROQ_API_KEY) to localhost:9 (base URL from --base-url)"], "\(refresh.stderr)")
        #expect(!refresh.stderr.contains("sim-key"))
    }
}
