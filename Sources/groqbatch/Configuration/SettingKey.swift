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

    /// The built-in value, as `config show` prints it; nil when unset means "none".
    var defaultText: String? {
        switch self {
        case .db: "groqbatch.sqlite"
        case .baseURL: "https://api.groq.com/openai/v1"
        case .apiKeyEnv: "GROQ_API_KEY"
        case .timeout: "60"
        case .allowInsecureHTTP: "false"
        case .catalog: nil
        case .logLevel: "notice"
        case .logFormat: "text"
        case .workConcurrency: "16"
        case .workWindows: nil
        case .workTimeZone: nil
        case .workGrace: "30"
        case .workLease: "60"
        case .workBackoffBase: "1"
        case .workBackoffCap: "300"
        case .workMaxTokensPerDay, .workMaxCostPerDay: nil
        case .workProgressInterval: "30"
        }
    }

    /// `work.max_tokens_per_day` → `GROQBATCH_WORK_MAX_TOKENS_PER_DAY`, as swift-configuration's
    /// environment provider encodes a key under the `groqbatch` prefix.
    var environmentVariable: String {
        "GROQBATCH_" + rawValue.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The key's path in the file: `work.concurrency` is `{"work": {"concurrency": ...}}`.
    var path: [String] { rawValue.split(separator: ".").map(String.init) }
}
