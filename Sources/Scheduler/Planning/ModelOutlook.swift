/// What is known about a model before its work runs: its limits and how much of them is in use, and
/// what earlier runs taught (tokens per character, answer lengths, call latency).
public struct ModelOutlook: Sendable {
    /// One limit as the GroqQueue holds it.
    public struct Limit: Sendable, Equatable {
        public var value: Int
        /// Stated by the provider or pinned by the user (else a guess).
        public var confirmed: Bool
        /// Spent within the current window.
        public var used: Int
        /// The part that may be spent at once: the whole limit when it is stated or a floor, a guess's
        /// floor when it is probed above it (0 when nothing is known safe). What lies above is paced.
        public var burstable: Int

        public init(value: Int, confirmed: Bool, used: Int = 0, burstable: Int? = nil) {
            self.value = value
            self.confirmed = confirmed
            self.used = used
            self.burstable = burstable ?? value
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
    /// Whether the provider caches the model's prompt prefixes (catalog, or seen in answers).
    public var promptCaching = false

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
