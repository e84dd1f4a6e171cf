import ArgumentParser
import Configuration
import Foundation
import GroqClient

/// Where the provider is and how to authenticate, shared by every command that calls it.
///
/// Each option can also come from the environment (`GROQBATCH_BASE_URL`, ...) or the configuration
/// file (`base_url`, ...); the key itself only ever from the environment variable `api_key_env` names.
struct ProviderOptions: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The OpenAI-compatible API base URL.",
            discussion: "Defaults to $GROQBATCH_BASE_URL, the configuration file's base_url, or \(GroqClientConfiguration.groqBaseURL).",
            valueName: "url"))
    var baseURL: String?

    @Option(
        name: .customLong("api-key-env"),
        help: ArgumentHelp("The environment variable holding the API key\(SettingKey.apiKeyEnv.defaultNote).", valueName: "name"))
    var apiKeyVariable: String?

    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds a whole request may take before it is retried\(SettingKey.timeout.defaultNote).", valueName: "seconds"))
    var requestTimeout: Double?

    @Flag(name: .customLong("allow-insecure-http"), help: "Allow http:// to a non-loopback host (the key travels unencrypted).")
    var allowInsecureHTTP = false

    /// The variable the key is read from unless `api_key_env` names another.
    static let defaultAPIKeyVariable = "GROQ_API_KEY"
    /// Seconds a whole request may take unless `timeout` says otherwise.
    static let defaultTimeout: Double = 60

    /// These options as settings, for the layers.
    var flags: [SettingKey: ConfigContent] {
        var flags: [SettingKey: ConfigContent] = [:]
        if let baseURL { flags[.baseURL] = .string(baseURL) }
        if let apiKeyVariable { flags[.apiKeyEnv] = .string(apiKeyVariable) }
        if let requestTimeout { flags[.timeout] = .double(requestTimeout) }
        if allowInsecureHTTP { flags[.allowInsecureHTTP] = .bool(true) }
        return flags
    }

    /// The base URL every meter and record is keyed by: `.../v1` and `.../v1/` are one provider, with
    /// one budget.
    static func baseURL(_ settings: Settings) -> String {
        normalized(settings.string(.baseURL) ?? GroqClientConfiguration.groqBaseURL)
    }

    /// A base URL without trailing slashes.
    static func normalized(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    static func apiKeyVariable(_ settings: Settings) -> String {
        settings.string(.apiKeyEnv) ?? defaultAPIKeyVariable
    }

    /// A client for these settings, or one clear line on what is missing.
    static func makeClient(_ settings: Settings) throws -> GroqClient {
        let variable = apiKeyVariable(settings)
        guard let key = ProcessInfo.processInfo.environment[variable], !key.isEmpty else {
            throw CommandFailure("\(variable) is not set: export your API key (https://console.groq.com/keys), or run `make demo` to use the simulator")
        }
        let timeout = settings.double(.timeout) ?? defaultTimeout
        guard timeout > 0 else { throw settings.invalid(.timeout, "must be more than 0 seconds") }
        do {
            return try GroqClient(
                configuration: GroqClientConfiguration(
                    baseURL: baseURL(settings), apiKey: APIKey(key), requestTimeout: timeout,
                    allowInsecureHTTP: settings.bool(.allowInsecureHTTP) ?? false))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
