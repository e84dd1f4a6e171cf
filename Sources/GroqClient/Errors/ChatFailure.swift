/// A call that did not produce a completion, with everything the worker and the scheduler need.
public struct ChatFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var outcomeClass: OutcomeClass
    /// The HTTP status, or nil when no response came.
    public var httpStatus: Int?
    /// The provider's `error.code` (or `error.type`), or groqbatch's own: `timeout`, `connection_error`,
    /// `invalid_response`, `http_<status>` for bodies that are not JSON (an edge proxy's HTML page).
    public var code: String
    /// The provider's message, or a description of what went wrong, with the API key redacted.
    public var message: String
    /// The rate-limit headers of the response, if any.
    public var rateLimits: RateLimitHeaders
    /// The limit a 429 or 413 body names, if any.
    public var rateLimitMessage: RateLimitMessage?
    /// When the call never reached the provider (refused, DNS, no route, TLS): why, in words. Such a
    /// failure says the provider is unavailable, not that the job is bad.
    public var unreachable: String?
    /// Groq's `failed_generation` on a 400 `json_validate_failed`: what the model wrote instead of JSON.
    public var failedGeneration: String?

    public init(
        outcomeClass: OutcomeClass, httpStatus: Int?, code: String, message: String,
        rateLimits: RateLimitHeaders = RateLimitHeaders(), rateLimitMessage: RateLimitMessage? = nil
    ) {
        self.outcomeClass = outcomeClass
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.rateLimits = rateLimits
        self.rateLimitMessage = rateLimitMessage
    }

    /// The wait the provider asked for: the 429 body's "try again in", else `retry-after`.
    public var providerWait: Double? {
        [rateLimitMessage?.retryAfter, rateLimits.retryAfter].compactMap { $0 }.max()
    }

    public var description: String {
        "\(httpStatus.map { "HTTP \($0) " } ?? "")\(code): \(message)"
    }
}
