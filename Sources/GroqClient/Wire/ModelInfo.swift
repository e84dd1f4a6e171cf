/// One entry of `GET /models`.
public struct ModelInfo: Sendable, Equatable, Decodable {
    public var id: String
    public var ownedBy: String?
    public var active: Bool?
    public var contextWindow: Int?
    public var maxCompletionTokens: Int?
    public var created: Int?

    enum CodingKeys: String, CodingKey {
        case id, active, created
        case ownedBy = "owned_by"
        case contextWindow = "context_window"
        case maxCompletionTokens = "max_completion_tokens"
    }
}

/// The `GET /models` body.
struct ModelList: Decodable {
    var data: [ModelInfo]
}

/// The `{"error": {...}}` body of a failed call.
struct ErrorEnvelope: Decodable {
    struct Body: Decodable {
        var message: String?
        var type: String?
        var code: String?
        /// With `json_validate_failed`: the text the model generated that was not valid JSON.
        var failed_generation: String?
    }
    var error: Body
}
