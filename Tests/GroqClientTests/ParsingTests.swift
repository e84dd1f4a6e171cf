import GroqClient
import NIOHTTP1
import Testing

struct ParsingTests {
    @Test(arguments: [
        ("7.66s", 7.66), ("2m59.56s", 179.56), ("1m0.36s", 60.36), ("320ms", 0.32), ("1h2m3s", 3723),
        ("120ms", 0.12), ("0s", 0), ("0", 0), ("9m38.016s", 578.016), ("1.5µs", 0.0000015), ("24h0m0s", 86_400),
    ])
    func goDurations(text: String, seconds: Double) {
        let parsed = GoDuration.seconds(text)
        #expect(parsed.map { abs($0 - seconds) < 1e-9 } == true, "\(text) → \(String(describing: parsed))")
    }

    @Test(arguments: ["", "s", "7.66", "abc", "5x", "1m-3s"])
    func notDurations(text: String) {
        #expect(GoDuration.seconds(text) == nil)
    }

    @Test func rateLimitHeadersDescribeTheDayAndTheMinute() {
        let headers = HTTPHeaders([
            ("x-ratelimit-limit-requests", "14400"), ("x-ratelimit-remaining-requests", "14370"),
            ("x-ratelimit-reset-requests", "2m59.56s"), ("x-ratelimit-limit-tokens", "18000"),
            ("x-ratelimit-remaining-tokens", "17997"), ("x-ratelimit-reset-tokens", "7.66s"),
            ("retry-after", "2"), ("x-request-id", "req_1"),
        ])
        let parsed = RateLimitHeaders(headers)
        #expect(parsed.requestsPerDayLimit == 14_400)
        #expect(parsed.requestsPerDayRemaining == 14_370)
        #expect(parsed.requestsPerDayReset == 179.56)
        #expect(parsed.tokensPerMinuteLimit == 18_000)
        #expect(parsed.tokensPerMinuteRemaining == 17_997)
        #expect(parsed.tokensPerMinuteReset == 7.66)
        #expect(parsed.retryAfter == 2)
        #expect(parsed.requestID == "req_1")
        #expect(!parsed.isEmpty)
        #expect(RateLimitHeaders(HTTPHeaders([("retry-after-ms", "1500"), ("retry-after", "9")])).retryAfter == 1.5)
        #expect(RateLimitHeaders(HTTPHeaders()).isEmpty)
    }

    @Test func a429BodyGivesTheLimitKindUsedRequestedAndWait() throws {
        let message =
            "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
        let parsed = try #require(RateLimitMessage(message))
        #expect(parsed == RateLimitMessage(kind: .tokensPerDay, limit: 100_000, used: 97_050, requested: 3619, retryAfter: 578.016))
    }

    @Test(arguments: [
        ("on requests per minute (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s.", RateLimitMessage.Kind.requestsPerMinute, 30, 2.0),
        ("on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please try again in 1h2m3s.", .requestsPerDay, 1000, 3723.0),
        ("on tokens per minute (TPM): Limit 6000, Used 5900, Requested 300. Please try again in 3.5s.", .tokensPerMinute, 6000, 3.5),
    ])
    func everyLimitKindParses(message: String, kind: RateLimitMessage.Kind, limit: Int, wait: Double) throws {
        let parsed = try #require(RateLimitMessage("Rate limit reached for model `m` in organization `o` service tier `on_demand` " + message))
        #expect(parsed.kind == kind && parsed.limit == limit && parsed.retryAfter == wait && !parsed.requestTooLarge)
    }

    @Test func anApproximateRequestedSizeIsRead() throws {
        let parsed = try #require(
            RateLimitMessage(
                "Rate limit reached for model `m` in organization `o` service tier `on_demand` on tokens per minute (TPM): Limit 8000, Used 6000, Requested ~4251. Please try again in 1.2s."
            ))
        #expect(parsed.requested == 4251 && parsed.used == 6000 && parsed.retryAfter == 1.2)
    }

    @Test func requestTooLargeHasNoUsedAndNoWait() throws {
        let parsed = try #require(
            RateLimitMessage(
                "Request too large for model `m` in organization `o` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 6294, please reduce your message size and try again."
            ))
        #expect(parsed == RateLimitMessage(kind: .tokensPerMinute, limit: 6000, used: nil, requested: 6294, retryAfter: nil, requestTooLarge: true))
        #expect(RateLimitMessage("Internal Server Error") == nil)
    }

    @Test func theKeyNeverShowsInDescriptions() {
        let key = APIKey("gsk_fake-0123456789-abcdefghijklmnop")
        #expect(!"\(key)".contains("0123456789"))
        #expect(!String(reflecting: key).contains("0123456789"))
        #expect(!"\(Mirror(reflecting: key).children.map { "\($0.value)" })".contains("0123456789"))
        #expect(key.redact("bad key gsk_fake-0123456789-abcdefghijklmnop here") == "bad key gsk_…(redacted) here")
    }
}
