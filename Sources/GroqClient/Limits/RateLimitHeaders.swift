import NIOHTTP1

/// What Groq's response headers say about the caller's limits.
///
/// Groq's `-requests` headers describe requests per **day** and its `-tokens` headers tokens per
/// **minute**; requests per minute and tokens per day never appear in headers (only in 429 bodies).
public struct RateLimitHeaders: Sendable, Equatable {
    /// `x-ratelimit-limit-requests`: requests per day.
    public var requestsPerDayLimit: Int?
    /// `x-ratelimit-remaining-requests`.
    public var requestsPerDayRemaining: Int?
    /// `x-ratelimit-reset-requests`, seconds until the daily request budget is full again.
    public var requestsPerDayReset: Double?
    /// `x-ratelimit-limit-tokens`: tokens per minute.
    public var tokensPerMinuteLimit: Int?
    /// `x-ratelimit-remaining-tokens`.
    public var tokensPerMinuteRemaining: Int?
    /// `x-ratelimit-reset-tokens`, seconds until the minute's token budget is full again.
    public var tokensPerMinuteReset: Double?
    /// `retry-after-ms`, else `retry-after` (seconds), on 429s and some 5xx.
    public var retryAfter: Double?
    /// `x-request-id`.
    public var requestID: String?

    public init() {}

    public init(_ headers: HTTPHeaders) {
        func integer(_ name: String) -> Int? { headers.first(name: name).flatMap { Int($0.trimmedOfWhitespace()) } }
        func duration(_ name: String) -> Double? { headers.first(name: name).flatMap(GoDuration.seconds) }
        requestsPerDayLimit = integer("x-ratelimit-limit-requests")
        requestsPerDayRemaining = integer("x-ratelimit-remaining-requests")
        requestsPerDayReset = duration("x-ratelimit-reset-requests")
        tokensPerMinuteLimit = integer("x-ratelimit-limit-tokens")
        tokensPerMinuteRemaining = integer("x-ratelimit-remaining-tokens")
        tokensPerMinuteReset = duration("x-ratelimit-reset-tokens")
        if let milliseconds = headers.first(name: "retry-after-ms").flatMap({ Double($0.trimmedOfWhitespace()) }) {
            retryAfter = milliseconds / 1000
        } else if let text = headers.first(name: "retry-after") {
            // Seconds as Groq sends them; a Go duration tolerated. HTTP dates are rare enough to ignore.
            retryAfter = Double(text.trimmedOfWhitespace()) ?? GoDuration.seconds(text)
        }
        requestID = headers.first(name: "x-request-id")
    }

    /// Whether no rate-limit header was present.
    public var isEmpty: Bool {
        requestsPerDayLimit == nil && requestsPerDayRemaining == nil && requestsPerDayReset == nil
            && tokensPerMinuteLimit == nil && tokensPerMinuteRemaining == nil && tokensPerMinuteReset == nil
    }
}
