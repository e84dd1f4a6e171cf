/// One valid line of an import file, normalised to a chat body.
public struct ParsedJob: Sendable, Equatable {
    /// The 1-based line number in the file; export keeps this order.
    public var line: Int
    /// The line's `custom_id`, or its line number as text when the line has none.
    public var customID: String
    /// The chat completion body to send, without `model` (the worker sets it per attempt).
    public var body: [String: JSONValue]
    /// The model the line asked for, if any; it heads the job's fallback chain.
    public var model: String?
    /// The output limit in the body (`max_tokens` or `max_completion_tokens`), if any.
    public var maxTokens: Int?
    /// Characters of message content, the input of token estimates.
    public var promptCharacters: Int
    /// The line's own priority, if it gave one.
    public var priority: Int?
    /// The line's own `truncate`, if it gave one: shorten the prompt to fit the model's context window.
    public var truncate: Bool?

    public init(
        line: Int, customID: String, body: [String: JSONValue], model: String?, maxTokens: Int?,
        promptCharacters: Int, priority: Int? = nil, truncate: Bool? = nil
    ) {
        self.truncate = truncate
        self.line = line
        self.customID = customID
        self.body = body
        self.model = model
        self.maxTokens = maxTokens
        self.promptCharacters = promptCharacters
        self.priority = priority
    }
}
