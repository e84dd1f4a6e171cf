import ArgumentParser
import Foundation
import GroqClient

/// Where the provider is and how to authenticate, shared by every command that calls it.
struct ProviderOptions: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The OpenAI-compatible API base URL.",
            discussion: "Defaults to $GROQBATCH_BASE_URL, or \(GroqClientConfiguration.groqBaseURL).",
            valueName: "url"))
    var baseURL: String?

    @Option(name: .customLong("api-key-env"), help: ArgumentHelp("The environment variable holding the API key.", valueName: "name"))
    var apiKeyVariable = "GROQ_API_KEY"

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds a whole request may take before it is retried.", valueName: "seconds"))
    var requestTimeout: Double = 60

    @Flag(name: .customLong("allow-insecure-http"), help: "Allow http:// to a non-loopback host (the key travels unencrypted).")
    var allowInsecureHTTP = false

    var effectiveBaseURL: String {
        baseURL ?? Self.defaultBaseURL
    }

    /// $GROQBATCH_BASE_URL, or Groq's.
    static var defaultBaseURL: String {
        ProcessInfo.processInfo.environment["GROQBATCH_BASE_URL"] ?? GroqClientConfiguration.groqBaseURL
    }

    /// A client for these options, or one clear line on what is missing.
    func makeClient() throws -> GroqClient {
        guard let key = ProcessInfo.processInfo.environment[apiKeyVariable], !key.isEmpty else {
            throw CommandFailure("\(apiKeyVariable) is not set: export your API key (https://console.groq.com/keys), or use `groqbatch demo` to run against the simulator")
        }
        guard requestTimeout > 0 else { throw CommandFailure("--timeout must be more than 0 seconds") }
        do {
            return try GroqClient(configuration: GroqClientConfiguration(
                baseURL: effectiveBaseURL, apiKey: APIKey(key), requestTimeout: requestTimeout,
                allowInsecureHTTP: allowInsecureHTTP))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
