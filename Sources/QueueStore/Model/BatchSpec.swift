import Foundation

/// What an import says about the batch it fills: its name and the defaults its jobs inherit.
public struct BatchSpec: Sendable, Equatable {
    /// The batch's unique name; importing again under the same name adds to the same batch.
    public var name: String
    /// The file imported (`-` for standard input).
    public var source: String
    /// The default model chain (`--model` then `--fallback`), first preferred.
    public var models: [String]
    /// The output limit written into bodies that have none. The default is none.
    public var maxTokens: Int?
    /// The priority of jobs that do not give one; higher runs first. The default is 0.
    public var priority: Int
    /// No job of the batch starts before this time. The default is none.
    public var notBefore: Date?
    /// Jobs of the batch not finished by then become `expired`. The default is none.
    public var deadline: Date?
    /// Calls allowed per model for each job before it moves on. The default is 5.
    public var maxAttempts: Int
    /// Jobs may move down their chain when their own model is out of budget. The default is false.
    public var fallbackWhenLimited: Bool
    /// How its jobs run: `on-demand` calls or the provider's `batch-api`. The default is on-demand.
    public var via: Executor = .onDemand
    /// What the jobs an expired or cancelled remote batch left unanswered do next.
    public var ifRemoteExpires: RemoteExpiryPolicy = .requeue
    /// On a 498 (flex busy), move a flex job to on_demand instead of waiting for flex. The default is false.
    public var flexFallback = false
    /// Shorten prompts too long for their model's context window instead of failing them. The default is false.
    public var truncate: Bool = false
    /// Tokens the whole batch may use; it pauses at the cap. The default is none.
    public var tokenCap: Int?
    /// Estimated US dollars the whole batch may cost; it pauses at the cap. The default is none.
    public var costCap: Double?
    /// Where identical requests take their answers from. The default is within the batch.
    public var reuse: ReuseScope = .batch
    /// For `.all`: the oldest answer of another batch that may be reused, in seconds.
    public var reuseMaxAge: Double?

    public init(
        name: String, source: String, models: [String] = [], maxTokens: Int? = nil, priority: Int = 0,
        notBefore: Date? = nil, deadline: Date? = nil, maxAttempts: Int = 5, fallbackWhenLimited: Bool = false, tokenCap: Int? = nil,
        costCap: Double? = nil
    ) {
        self.name = name
        self.source = source
        self.models = models
        self.maxTokens = maxTokens
        self.priority = priority
        self.notBefore = notBefore
        self.deadline = deadline
        self.maxAttempts = maxAttempts
        self.fallbackWhenLimited = fallbackWhenLimited
        self.tokenCap = tokenCap
        self.costCap = costCap
    }
}
