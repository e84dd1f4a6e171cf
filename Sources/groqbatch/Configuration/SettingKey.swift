import GroqClient
import Worker

/// Every setting groqbatch reads from its configuration file, the environment or the command line:
/// the one list that validation, `config show` and the docs follow.
enum SettingKey: String, CaseIterable, Sendable {
    case db
    case baseURL = "base_url"
    case apiKeyEnv = "api_key_env"
    case timeout
    case allowInsecureHTTP = "allow_insecure_http"
    case catalog
    case logLevel = "log_level"
    case logFormat = "log_format"
    case workConcurrency = "work.concurrency"
    case workWindows = "work.windows"
    case workTimeZone = "work.time_zone"
    case workGrace = "work.grace"
    case workLease = "work.lease"
    case workBackoffBase = "work.backoff_base"
    case workBackoffCap = "work.backoff_cap"
    case workMaxTokensPerDay = "work.max_tokens_per_day"
    case workMaxCostPerDay = "work.max_cost_per_day"
    case workProgressInterval = "work.progress_interval"

    /// The JSON type a value must have.
    enum Kind: Sendable {
        case string, integer, number, boolean, strings

        var name: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .number: "a number"
            case .boolean: "true or false"
            case .strings: "an array of strings"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .db, .baseURL, .apiKeyEnv, .catalog, .logLevel, .logFormat, .workTimeZone: .string
        case .workConcurrency, .workMaxTokensPerDay: .integer
        case .timeout, .workGrace, .workLease, .workBackoffBase, .workBackoffCap, .workMaxCostPerDay, .workProgressInterval: .number
        case .allowInsecureHTTP: .boolean
        case .workWindows: .strings
        }
    }

    /// The built-in value, as `config show` and `--help` print it; nil when unset means "none". Each is
    /// read from the constant the code falls back to, so the two cannot drift.
    var defaultText: String? {
        typealias Defaults = WorkerConfiguration.Defaults
        return switch self {
        case .db: DatabaseOptions.defaultPath
        case .baseURL: GroqClientConfiguration.groqBaseURL
        case .apiKeyEnv: ProviderOptions.defaultAPIKeyVariable
        case .timeout: Self.text(ProviderOptions.defaultTimeout)
        case .allowInsecureHTTP: "false"
        case .catalog: nil
        case .logLevel: WorkSettings.defaultLogLevel.rawValue
        case .logFormat: WorkSettings.LogFormat.text.rawValue
        case .workConcurrency: "\(Defaults.concurrency)"
        case .workWindows: nil
        case .workTimeZone: nil
        case .workGrace: Self.text(Defaults.grace)
        case .workLease: Self.text(Defaults.leaseDuration)
        case .workBackoffBase: Self.text(Defaults.backoffBase)
        case .workBackoffCap: Self.text(Defaults.backoffCap)
        case .workMaxTokensPerDay, .workMaxCostPerDay: nil
        case .workProgressInterval: Self.text(WorkSettings.defaultProgressInterval)
        }
    }

    /// ` (default X)` for a flag's help, or nothing when the setting has no default.
    var defaultNote: String { defaultText.map { " (default \($0))" } ?? "" }

    /// 30 rather than 30.0.
    private static func text(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    /// `work.max_tokens_per_day` → `GROQBATCH_WORK_MAX_TOKENS_PER_DAY`, as swift-configuration's
    /// environment provider encodes a key under the `groqbatch` prefix.
    var environmentVariable: String {
        "GROQBATCH_" + rawValue.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The key's path in the file: `work.concurrency` is `{"work": {"concurrency": ...}}`.
    var path: [String] { rawValue.split(separator: ".").map(String.init) }
}
