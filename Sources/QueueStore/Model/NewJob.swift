/// A job as import hands it to the store.
public struct NewJob: Sendable, Equatable {
    /// The 1-based line of the source file.
    public var line: Int
    public var customID: String
    /// The chat body as JSON text, without `model`.
    public var requestJSON: String
    /// The model chain, first preferred.
    public var models: [String]
    public var promptCharacters: Int
    public var maxTokens: Int?
    /// The job's priority; nil takes the batch's.
    public var priority: Int?
    /// Shorten the prompt to fit the model's context window; nil takes the batch's `--truncate`.
    public var truncate: Bool?
    /// `flex`, `on_demand` or `auto`: the service tier to ask for. The default is none (the provider's).
    public var serviceTier: String? = nil
    /// The row a template rendered this job from, as a JSON object; nil for JSON lines.
    public var input: String? = nil
    /// `RequestFingerprint.reuseKey`: set when the request is deterministic, so identical ones are sent once.
    public var reuseKey: String? = nil
    /// `RequestFingerprint.prefix`: the shared leading messages' fingerprint and characters, if long enough.
    public var prefixKey: String? = nil
    public var prefixCharacters: Int? = nil

    public init(
        line: Int, customID: String, requestJSON: String, models: [String], promptCharacters: Int,
        maxTokens: Int?, priority: Int? = nil, truncate: Bool? = nil
    ) {
        self.truncate = truncate
        self.line = line
        self.customID = customID
        self.requestJSON = requestJSON
        self.models = models
        self.promptCharacters = promptCharacters
        self.maxTokens = maxTokens
        self.priority = priority
    }
}
