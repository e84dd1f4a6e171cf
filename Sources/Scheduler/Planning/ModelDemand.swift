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
