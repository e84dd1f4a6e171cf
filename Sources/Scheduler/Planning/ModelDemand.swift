/// What the unfinished jobs waiting for one model add up to: the input of `WorkPlanner`.
public struct ModelDemand: Sendable, Equatable {
    public var model: String
    /// Jobs, so calls if each succeeds at its first try.
    public var requests: Int
    /// Characters of message content over those jobs, for the token estimate.
    public var promptCharacters: Int
    /// The sum of `max_tokens` over the jobs that set one.
    public var maxTokens: Int
    /// Jobs that set no output limit.
    public var withoutMaxTokens: Int
    /// Jobs asking for more output than the model can give: the provider refuses them without generating.
    public var overOutputLimit: Int
    /// The sum of their `max_tokens` (included in `maxTokens`).
    public var overOutputLimitMaxTokens: Int
    /// Characters of shared prompt prefixes the provider can read from its cache: every job's but the
    /// first of each group (included in `promptCharacters`).
    public var cacheableCharacters = 0

    public init(
        model: String, requests: Int, promptCharacters: Int, maxTokens: Int, withoutMaxTokens: Int, overOutputLimit: Int = 0,
        overOutputLimitMaxTokens: Int = 0
    ) {
        self.overOutputLimit = overOutputLimit
        self.overOutputLimitMaxTokens = overOutputLimitMaxTokens
        self.model = model
        self.requests = requests
        self.promptCharacters = promptCharacters
        self.maxTokens = maxTokens
        self.withoutMaxTokens = withoutMaxTokens
    }
}

extension ModelDemand {
    /// Both demands of one model together.
    public func adding(_ other: ModelDemand) -> ModelDemand {
        var sum = ModelDemand(
            model: model, requests: requests + other.requests, promptCharacters: promptCharacters + other.promptCharacters,
            maxTokens: maxTokens + other.maxTokens, withoutMaxTokens: withoutMaxTokens + other.withoutMaxTokens,
            overOutputLimit: overOutputLimit + other.overOutputLimit,
            overOutputLimitMaxTokens: overOutputLimitMaxTokens + other.overOutputLimitMaxTokens)
        sum.cacheableCharacters = cacheableCharacters + other.cacheableCharacters
        return sum
    }

    /// The jobs left after the first `count` (see `share`).
    public func remainder(after count: Int) -> ModelDemand {
        let first = share(count)
        var rest = ModelDemand(
            model: model, requests: requests - first.requests, promptCharacters: promptCharacters - first.promptCharacters,
            maxTokens: maxTokens - first.maxTokens, withoutMaxTokens: withoutMaxTokens - first.withoutMaxTokens,
            overOutputLimit: overOutputLimit - first.overOutputLimit,
            overOutputLimitMaxTokens: overOutputLimitMaxTokens - first.overOutputLimitMaxTokens)
        rest.cacheableCharacters = cacheableCharacters - first.cacheableCharacters
        return rest
    }

    /// The first `count` of these jobs, assuming they are alike (averages scale with the count).
    public func share(_ count: Int) -> ModelDemand {
        guard requests > 0 else { return self }
        let fraction = Double(min(count, requests)) / Double(requests)
        let scale = { (value: Int) in Int((Double(value) * fraction).rounded()) }
        var first = ModelDemand(
            model: model, requests: min(count, requests), promptCharacters: scale(promptCharacters), maxTokens: scale(maxTokens),
            withoutMaxTokens: scale(withoutMaxTokens), overOutputLimit: scale(overOutputLimit),
            overOutputLimitMaxTokens: scale(overOutputLimitMaxTokens))
        first.cacheableCharacters = scale(cacheableCharacters)
        return first
    }
}
