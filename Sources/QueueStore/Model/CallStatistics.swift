import Foundation

/// One group's numbers in `groqbatch stats`: the same columns as the `stats` view, so a user can check
/// one against the other.
public struct CallStatistics: Sendable, Codable, Equatable {
    /// The model, UTC day or batch.
    public var name: String
    public var requests = 0
    public var successes = 0
    public var retries = 0
    public var fallbacks = 0
    public var permanentFailures = 0
    public var fatal = 0
    public var abandoned = 0
    public var rateLimited = 0
    public var rateLimitedRPM = 0
    public var rateLimitedRPD = 0
    public var rateLimitedTPM = 0
    public var rateLimitedTPD = 0
    /// Seconds per successful call, nearest rank.
    public var latencyP50: Double?
    public var latencyP95: Double?
    public var latencyP99: Double?
    /// Groq's own `usage.queue_time` and `usage.total_time`, averaged over successful calls.
    public var groqQueueTimeAvg: Double?
    public var groqTotalTimeAvg: Double?
    public var promptTokens = 0
    public var completionTokens = 0
    /// Prompt tokens the provider read from its prompt cache (billed at half price, not rate-limited).
    public var cachedTokens = 0
    public var costUSD: Double?
    public var firstCall: Double?
    public var lastCall: Double?

    public init(name: String) {
        self.name = name
    }

    /// The share of prompt tokens read from the prompt cache.
    public var cacheHitRate: Double? { promptTokens > 0 ? Double(cachedTokens) / Double(promptTokens) : nil }

    /// Successful calls per minute between the first and the last call.
    public var successesPerMinute: Double? {
        guard let firstCall, let lastCall, lastCall > firstCall else { return nil }
        return Double(successes) / ((lastCall - firstCall) / 60)
    }

    enum CodingKeys: String, CodingKey {
        case name, requests, successes, retries, fallbacks, fatal, abandoned
        case permanentFailures = "permanent_failures"
        case rateLimited = "rate_limited"
        case rateLimitedRPM = "rate_limited_rpm"
        case rateLimitedRPD = "rate_limited_rpd"
        case rateLimitedTPM = "rate_limited_tpm"
        case rateLimitedTPD = "rate_limited_tpd"
        case latencyP50 = "latency_p50"
        case latencyP95 = "latency_p95"
        case latencyP99 = "latency_p99"
        case groqQueueTimeAvg = "groq_queue_time_avg"
        case groqTotalTimeAvg = "groq_total_time_avg"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedTokens = "cached_tokens"
        case costUSD = "cost_usd"
        case firstCall = "first_call"
        case lastCall = "last_call"
    }

    /// The value at nearest rank `p` (0...1) of sorted values: the smallest with at least p of them at or below it.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }
}
