/// Where and how the client talks to an OpenAI-compatible chat completions API.
public struct GroqClientConfiguration: Sendable {
    /// Groq's API base URL.
    public static let groqBaseURL = "https://api.groq.com/openai/v1"

    /// The API's base URL, up to and without `/chat/completions`. The default is Groq's.
    public var baseURL: String
    /// The key sent as a bearer token.
    public var apiKey: APIKey
    /// The longest a connection may take to open. The default is 10 seconds.
    public var connectTimeout: Double
    /// The longest a whole request may take, response body included. The default is 60 seconds.
    public var requestTimeout: Double
    /// Allow `http://` to hosts other than loopback (the key would travel in clear). The default is false.
    public var allowInsecureHTTP: Bool
    /// Connections kept per host; bounds the worker's concurrency on one provider. The default is 256.
    public var maxConnectionsPerHost: Int

    public init(
        baseURL: String = Self.groqBaseURL, apiKey: APIKey, connectTimeout: Double = 10, requestTimeout: Double = 60,
        allowInsecureHTTP: Bool = false, maxConnectionsPerHost: Int = 256
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.allowInsecureHTTP = allowInsecureHTTP
        self.maxConnectionsPerHost = maxConnectionsPerHost
    }
}
