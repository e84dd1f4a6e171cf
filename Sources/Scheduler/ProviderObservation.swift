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
        public init(kind: LimitKind, limit: Int, used: Int?, retryAfter: Double?) {
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
    public var promptCharacters: Int
    /// From `usage`, on success.
    public var promptTokens: Int?
    public var totalTokens: Int?
    /// The provider refused the call before doing anything (any 4xx): its reservation is refunded.
    public var refused: Bool
    /// US dollars the call cost at the catalog's prices, on success.
    public var actualCost: Double?

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
