import ArgumentParser
import Configuration
import Foundation
import GroqClient
import QueueStore

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

    /// The base URL the client calls, as given (without trailing slashes).
    static func baseURL(_ settings: Settings) -> String {
        normalized(settings.string(.baseURL) ?? GroqClientConfiguration.groqBaseURL)
    }

    /// What every meter, budget and record of this provider is keyed by: one spelling of the base URL
    /// (`ProviderKey`), so `.../v1/`, `HTTPS://API.GROQ.COM:443/...` or `localhost` for `127.0.0.1` make
    /// no second provider with a budget of its own, nor strand the remote batches the other made.
    static func providerKey(_ settings: Settings) -> String {
        ProviderKey(baseURL(settings)).rawValue
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

    /// A client for these settings, or one clear line on what is missing. The command says where the key
    /// goes (`keyDestination`) before its first call.
    static func makeClient(_ settings: Settings) throws -> GroqClient {
        let variable = apiKeyVariable(settings)
        try checkKeyDestination(settings)
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

    /// Refuses to send the key where a configuration file that someone else could have written says
    /// (its `base_url`, or the variable its `api_key_env` names).
    static func checkKeyDestination(_ settings: Settings) throws {
        guard let file = settings.file, let problem = settings.fileProblem else { return }
        // Read both first: where a setting came from is known once it has been read.
        _ = (baseURL(settings), apiKeyVariable(settings))
        let chosen = [SettingKey.baseURL, .apiKeyEnv].filter { settings.source(of: $0) == file }
        guard !chosen.isEmpty else { return }
        let names = chosen.map(\.rawValue).joined(separator: " and ")
        let flags = chosen.map { "--" + $0.rawValue.replacingOccurrences(of: "_", with: "-") }.joined(separator: " and ")
        throw CommandFailure(
            "\(file) sets \(names), which decides where the API key goes, but \(problem): the key is not sent; if you trust the file, "
                + "make it yours and writable by you only (chown, chmod go-w), else give \(flags) or a --config file of your own")
    }

    /// Where the key goes and who chose it, e.g. `sending the API key ($GROQ_API_KEY) to api.groq.com (base URL
    /// from ./groqbatch.json)`: running in another folder must not send it somewhere unseen.
    static func keyDestination(_ settings: Settings) -> String {
        let url = baseURL(settings)
        let parsed = URL(string: url)
        let host = parsed?.host.map { host in parsed?.port.map { "\(host):\($0)" } ?? host } ?? url
        let origin =
            switch settings.source(of: .baseURL) {
            case "default": "the default base URL"
            case "command line": "base URL from --base-url"
            case let file where file == settings.file && !file.contains("/"): "base URL from ./\(file)"
            case let other: "base URL from \(other)"
            }
        return "sending the API key ($\(apiKeyVariable(settings))) to \(host) (\(origin))"
    }
}
