/// What is known about a model before its work runs: its limits and how much of them is in use, and
/// what earlier runs taught (tokens per character, answer lengths, call latency).
public struct ModelOutlook: Sendable {
    /// One limit as the GroqQueue holds it.
    public struct Limit: Sendable, Equatable {
        public var value: Int
        /// Confirmed by the provider or pinned by the user, so the meter lets a tenth of a window burst.
        public var confirmed: Bool
        /// Spent within the current window.
        public var used: Int

        public init(value: Int, confirmed: Bool, used: Int = 0) {
            self.value = value
            self.confirmed = confirmed
            self.used = used
        }
    }

    public var limits: [LimitKind: Limit]
    public var estimator: TokenEstimator?
    /// Completion tokens over `max_tokens` for finished jobs that set one.
    public var completionRatio: Double?
    /// Average completion tokens of finished jobs, for jobs without an output limit.
    public var averageCompletion: Double?
    /// The model's largest output, from the catalog: a job without `max_tokens` may use it all.
    public var maxOutput: Int?
    /// Average seconds of a successful call.
    public var latency: Double?
    /// US dollars per million tokens, from the catalog.
    public var inputPrice: Double?
    public var outputPrice: Double?

    public init(
        limits: [LimitKind: Limit] = [:], estimator: TokenEstimator? = nil, completionRatio: Double? = nil,
        averageCompletion: Double? = nil, maxOutput: Int? = nil, latency: Double? = nil, inputPrice: Double? = nil,
        outputPrice: Double? = nil
    ) {
        self.limits = limits
        self.estimator = estimator
        self.completionRatio = completionRatio
        self.averageCompletion = averageCompletion
        self.maxOutput = maxOutput
        self.latency = latency
        self.inputPrice = inputPrice
        self.outputPrice = outputPrice
    }
}
