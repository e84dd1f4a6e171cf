extension SimulatorState {
    /// An admitted request's plan.
    struct Generation: Sendable {
        var model: String
        var admission: ModelMeters.Admission
        var promptTokens: Int
        var completion: (text: String, tokens: Int, finishReason: String)
        var reservedTokens: Int
        var latency: Double
        var queueTime: Double
        var tokensPerSecond: Double
        var truncated: Bool
        var bodyHash: String
        var requestID: String
        /// `on_demand` or `flex`: which meters it was admitted on.
        var serviceTier = "on_demand"
        /// A structured-output fault in the answer (`invalid_json`, `schema_violation`), for the log.
        var fault: String?
        /// Prompt tokens read from the prefix cache.
        var cachedTokens = 0
        /// The leading messages to cache once this request is processed.
        var prefix: CachedPrefix?

        /// The key of the meters it was admitted on.
        var meterKey: String { serviceTier == "flex" ? SimulatorState.flexKey(model) : model }
    }
}
