/// Token counts and Groq's timings (seconds) for one completion.
public struct Usage: Sendable, Equatable, Decodable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var queueTime: Double?
    public var promptTime: Double?
    public var completionTime: Double?
    public var totalTime: Double?
    /// `prompt_tokens_details.cached_tokens`, when the provider reports it.
    public var cachedPromptTokens: Int?
    /// `completion_tokens_details.reasoning_tokens`, when the provider reports it.
    public var reasoningTokens: Int?

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case queueTime = "queue_time"
        case promptTime = "prompt_time"
        case completionTime = "completion_time"
        case totalTime = "total_time"
        case promptTokensDetails = "prompt_tokens_details"
        case completionTokensDetails = "completion_tokens_details"
    }

    struct Details: Decodable {
        var cachedTokens: Int?
        var reasoningTokens: Int?
        enum CodingKeys: String, CodingKey {
            case cachedTokens = "cached_tokens"
            case reasoningTokens = "reasoning_tokens"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decode(Int.self, forKey: .promptTokens)
        completionTokens = try container.decode(Int.self, forKey: .completionTokens)
        totalTokens = try container.decodeIfPresent(Int.self, forKey: .totalTokens) ?? promptTokens + completionTokens
        queueTime = try container.decodeIfPresent(Double.self, forKey: .queueTime)
        promptTime = try container.decodeIfPresent(Double.self, forKey: .promptTime)
        completionTime = try container.decodeIfPresent(Double.self, forKey: .completionTime)
        totalTime = try container.decodeIfPresent(Double.self, forKey: .totalTime)
        cachedPromptTokens = try container.decodeIfPresent(Details.self, forKey: .promptTokensDetails)?.cachedTokens
        reasoningTokens = try container.decodeIfPresent(Details.self, forKey: .completionTokensDetails)?.reasoningTokens
    }
}
