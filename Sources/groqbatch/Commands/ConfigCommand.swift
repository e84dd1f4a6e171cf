import ArgumentParser
import Foundation
import PostgresStore

/// `groqbatch config show`: the effective configuration and where each value came from.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration: each setting, its value and where it came from.",
        discussion: """
            Settings come from, in this order (the first that has a value wins):
              1. command-line flags (--db, --base-url, --concurrency, ...)
              2. environment variables: GROQBATCH_DB, GROQBATCH_WORK_CONCURRENCY, ...
                 (the key with dots as underscores, upper case, prefixed GROQBATCH_)
              3. the configuration file: --config FILE, else $GROQBATCH_CONFIG,
                 else ./groqbatch.json
              4. built-in defaults
            A file is JSON, such as:
              {"db": "/var/lib/groqbatch/queue.sqlite",
               "work": {"concurrency": 32, "windows": ["22:00-06:00"]}}
            Unknown keys and values of the wrong type stop every command with one line naming the file and \
            the key. The API key is read only from the environment variable api_key_env names \
            (GROQ_API_KEY by default), never from a file, and is shown redacted.
            """,
        subcommands: [ShowConfig.self],
        defaultSubcommand: ShowConfig.self)
}

struct ShowConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print every setting with its value and source.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() async throws {
        try await failingClearly {
            let settings = try await database.settings()
            var rows: [(key: String, value: String, source: String)] = SettingKey.allCases.map { key in
                let value: String? =
                    switch key.kind {
                    // A PostgreSQL URL's password never reaches the screen.
                    case .string: settings.string(key).map { key == .db ? PostgresURL.redacting($0) : $0 }
                    case .integer: settings.int(key).map(String.init)
                    case .number: settings.double(key).map { $0.rounded() == $0 ? String(Int($0)) : String($0) }
                    case .boolean: settings.bool(key).map(String.init)
                    case .strings: settings.strings(key).map { $0.joined(separator: ",") }
                    }
                let source = settings.source(of: key)
                return (key.rawValue, value ?? key.defaultText ?? "(none)", source)
            }
            let variable = ProviderOptions.apiKeyVariable(settings)
            let keySet = !(ProcessInfo.processInfo.environment[variable] ?? "").isEmpty
            rows.append(("api_key", keySet ? "(set, redacted)" : "(not set)", variable))
            // The file's values are shown as they are, with why `work` would not send the key where they say.
            do { try ProviderOptions.checkKeyDestination(settings) } catch { Console.error("groqbatch: \(error)") }
            if json {
                var object: [String: [String: String]] = [:]
                for row in rows { object[row.key] = ["value": row.value, "source": row.source] }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("configuration file: \(settings.file ?? "none (no --config, $GROQBATCH_CONFIG or ./groqbatch.json)")")
            print(TextTable(header: ["KEY", "VALUE", "SOURCE"], rows: rows.map { [$0.key, $0.value, $0.source] }).rendered)
        }
    }
}
