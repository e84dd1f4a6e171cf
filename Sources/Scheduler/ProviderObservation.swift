/// What one response told about the provider's limits and the job's real usage.
public struct ProviderObservation: Sendable, Equatable {
    /// One `x-ratelimit-*` triple.
    public struct HeaderReading: Sendable, Equatable {
        public var limit: Int?
        public var remaining: Int?
        public var resetIn: Double?
        public init(limit: Int? = nil, remaining: Int? = nil, resetIn: Double? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.resetIn = resetIn
        }
        public var isEmpty: Bool { limit == nil && remaining == nil }
    }

    /// A 429 body's facts.
    public struct RateLimitReading: Sendable, Equatable {
        public var kind: LimitKind
        public var limit: Int
        public var used: Int?
        public var retryAfter: Double?
        /// A 429 blocks the meter until `retryAfter`; a 413 (one request larger than the limit) does not.
        public var blocks: Bool
        public init(kind: LimitKind, limit: Int, used: Int?, retryAfter: Double?, blocks: Bool = true) {
            self.blocks = blocks
            self.kind = kind
            self.limit = limit
            self.used = used
            self.retryAfter = retryAfter
        }
    }

    public var provider: String
    public var model: String
    /// `-tokens` headers: tokens per minute.
    public var tokensPerMinute: HeaderReading
    /// `-requests` headers: requests per day.
    public var requestsPerDay: HeaderReading
    public var rateLimit: RateLimitReading?
    /// Characters (Unicode scalars) of the prompt as sent, shortened or not: what the estimator learns per.
    public var promptCharacters: Int
    /// From `usage`, on success.
    public var promptTokens: Int?
    public var totalTokens: Int?
    /// Prompt tokens read from the provider's prompt cache: not counted against tokens per minute.
    public var cachedTokens: Int?
    /// The provider certainly did not process the call (a 4xx before any generation, or it was never
    /// reached): its reservation is refunded, on the meters and the caps. Unknown usage keeps it.
    public var refused: Bool
    /// US dollars the call cost at the catalog's prices, on success.
    public var actualCost: Double?
    /// The provider itself answered: its headers, or their absence, are its word, and the first such
    /// answer ends a scout's wait (`budgets.heard_at`). Whoever builds an observation sets it: an answer,
    /// or a failure carrying rate-limit headers, a rate-limit body or the provider's request id, is
    /// heard; a call that got no response (a timeout, a reset), a 5xx or page from a gateway in front
    /// of the provider, a call the worker cut and a job that ends without a call are not.
    public var fromResponse = true
    /// The job set no `max_tokens`: its completion teaches what such jobs reserve.
    public var maxTokensUnset = false

    /// The tokens the provider counts against its token limits: all but the cached ones.
    public var meteredTokens: Int? { totalTokens.map { max(0, $0 - (cachedTokens ?? 0)) } }

    /// Whether the call was answered (a completion with its usage).
    public var answered: Bool { totalTokens != nil }
    /// Completion tokens of an answer.
    public var completionTokens: Int? {
        guard let totalTokens else { return nil }
        return max(0, totalTokens - (promptTokens ?? 0))
    }

    public init(
        provider: String, model: String, tokensPerMinute: HeaderReading = HeaderReading(),
        requestsPerDay: HeaderReading = HeaderReading(), rateLimit: RateLimitReading? = nil, promptCharacters: Int = 0,
        promptTokens: Int? = nil, totalTokens: Int? = nil, refused: Bool = false
    ) {
        self.provider = provider
        self.model = model
        self.tokensPerMinute = tokensPerMinute
        self.requestsPerDay = requestsPerDay
        self.rateLimit = rateLimit
        self.promptCharacters = promptCharacters
        self.promptTokens = promptTokens
        self.totalTokens = totalTokens
        self.refused = refused
    }
}
