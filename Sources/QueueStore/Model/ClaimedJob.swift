import Foundation

/// A job a worker holds under a lease, with everything it needs to make the call.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var batchID: Int64
    public var customID: String
    public var priority: Int
    /// The chat body as JSON text, without `model`.
    public var requestJSON: String
    /// The model chain, first preferred.
    public var models: [String]
    /// The position in `models` this attempt uses.
    public var modelIndex: Int
    /// Calls made so far for this job, on any model.
    public var attempts: Int
    /// Calls made so far on the current model.
    public var modelAttempts: Int
    /// Calls allowed per model.
    public var maxAttempts: Int
    public var promptCharacters: Int
    public var maxTokens: Int?
    public var leaseExpiresAt: Date
    /// The `auto` policy that chose `models`, if one did.
    public var modelPolicy: String? = nil
    /// May be shortened to fit the model's context window (`--truncate`).
    public var truncate: Bool = false
    /// The service tier the job asks for (`flex`, `on_demand`, `auto`), sent in its body; nil: as the body says.
    public var serviceTier: String? = nil
    /// Tokens per character to plan the prompt with (the model's learned ratio plus its margin), when known.
    public var tokensPerCharacter: Double? = nil
    /// The token of the claim that leased the job; outcomes carry it back so that a lapsed claim's late
    /// answer changes nothing of a newer claim's.
    public var claimToken: Int64? = nil

    /// Every store builds the jobs it claims with this (the memberwise initializer, made public).
    public init(
        id: Int64, batchID: Int64, customID: String, priority: Int, requestJSON: String, models: [String], modelIndex: Int, attempts: Int,
        modelAttempts: Int, maxAttempts: Int, promptCharacters: Int, maxTokens: Int?, leaseExpiresAt: Date, modelPolicy: String? = nil,
        truncate: Bool = false, serviceTier: String? = nil, tokensPerCharacter: Double? = nil, claimToken: Int64? = nil
    ) {
        self.id = id
        self.batchID = batchID
        self.customID = customID
        self.priority = priority
        self.requestJSON = requestJSON
        self.models = models
        self.modelIndex = modelIndex
        self.attempts = attempts
        self.modelAttempts = modelAttempts
        self.maxAttempts = maxAttempts
        self.promptCharacters = promptCharacters
        self.maxTokens = maxTokens
        self.leaseExpiresAt = leaseExpiresAt
        self.modelPolicy = modelPolicy
        self.truncate = truncate
        self.serviceTier = serviceTier
        self.tokensPerCharacter = tokensPerCharacter
        self.claimToken = claimToken
    }

    /// The model this attempt uses, or nil when the chain is used up.
    public var model: String? {
        models.indices.contains(modelIndex) ? models[modelIndex] : nil
    }
}
