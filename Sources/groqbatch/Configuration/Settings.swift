import Configuration
import Foundation
import SystemPackage

/// groqbatch's settings, layered by swift-configuration: command-line flags first, then `GROQBATCH_*`
/// environment variables, then the configuration file, then built-in defaults.
///
/// The file is `--config FILE`, else `$GROQBATCH_CONFIG`, else `./groqbatch.json` when it exists. It is
/// checked before use (unknown keys and wrong types are one error naming the file and the key), and so
/// are the environment variables (a `GROQBATCH_*` one that names no setting is a warning).
struct Settings: Sendable {
    let reader: ConfigReader
    let sources: SettingSources
    /// The configuration file in use, if any.
    let file: String?
    /// Why the file may not choose where the API key goes (see `ConfigFileOwner`), checked before it is read.
    var fileProblem: String? = nil

    static let defaultFile = "groqbatch.json"

    /// Loads the layers. `flags` holds the options given on the command line, by key.
    static func load(
        configPath: String?, flags: [SettingKey: ConfigContent],
        environment everything: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> Settings {
        // An empty variable counts as unset, as shells and systemd's Environment= often leave them.
        let environment = everything.filter { !$0.value.isEmpty }
        let explicit = configPath ?? environment["GROQBATCH_CONFIG"]
        let file = explicit ?? (FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil)
        try checkEnvironment(environment)
        for warning in UnknownVariables.warnings(environment) { OnceNotice.print(warning) }
        let fileProblem = file.flatMap { ConfigFileOwner.problem($0) }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "command line",
                values: Dictionary(uniqueKeysWithValues: flags.map { (AbsoluteConfigKey($0.key.path), ConfigValue($0.value, isSecret: false)) })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["groqbatch"]),
        ]
        if let file {
            try ConfigFileCheck.check(file)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
            } catch {
                throw CommandFailure("\(file): cannot read the configuration file: \(error)")
            }
        }
        let sources = SettingSources()
        return Settings(reader: ConfigReader(providers: providers, accessReporter: sources), sources: sources, file: file, fileProblem: fileProblem)
    }

    /// Each `GROQBATCH_*` variable that names a setting must hold a value of its type.
    static func checkEnvironment(_ environment: [String: String]) throws {
        for key in SettingKey.allCases {
            guard let text = environment[key.environmentVariable] else { continue }
            let valid =
                switch key.kind {
                case .string: true
                case .integer: Int(text) != nil
                case .number: Double(text) != nil
                case .boolean: text == "true" || text == "false"
                case .strings: true
                }
            if !valid {
                throw CommandFailure("environment variable \(key.environmentVariable): expected \(key.kind.name), got '\(text)'")
            }
        }
    }

    func string(_ key: SettingKey) -> String? { reader.string(forKey: ConfigKey(key.path)) }
    func int(_ key: SettingKey) -> Int? { reader.int(forKey: ConfigKey(key.path)) }
    /// A number; a file may write it as an integer.
    func double(_ key: SettingKey) -> Double? {
        reader.double(forKey: ConfigKey(key.path)) ?? reader.int(forKey: ConfigKey(key.path)).map(Double.init)
    }
    func bool(_ key: SettingKey) -> Bool? { reader.bool(forKey: ConfigKey(key.path)) }
    func strings(_ key: SettingKey) -> [String]? { reader.stringArray(forKey: ConfigKey(key.path)) }

    /// Where the key's value came from: a provider's name, or `default`.
    func source(of key: SettingKey) -> String {
        // swift-configuration names providers by type: InMemoryProvider[command line],
        // KeyMappingProvider[upstream: EnvironmentVariablesProvider], FileProvider<JSONSnapshot>.
        guard let name = sources.source(of: key) else { return "default" }
        if name.hasPrefix("InMemoryProvider") { return "command line" }
        if name.contains("EnvironmentVariablesProvider") { return key.environmentVariable }
        return file ?? "file"
    }

    /// A failure naming the key and where its bad value came from.
    func invalid(_ key: SettingKey, _ message: String) -> CommandFailure {
        let origin =
            switch source(of: key) {
            case "command line": "--\(key.path.last!.replacingOccurrences(of: "_", with: "-"))"
            case let other: "\(key.rawValue) (from \(other))"
            }
        return CommandFailure("\(origin): \(message)")
    }
}
