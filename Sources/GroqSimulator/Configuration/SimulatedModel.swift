/// One model the simulator serves, with its limits and speed.
public struct SimulatedModel: Sendable, Codable, Equatable {
    public var id: String
    public var ownedBy: String
    public var contextWindow: Int
    public var maxOutput: Int
    /// Requests per minute; 0 means unlimited.
    public var rpm: Int
    /// Requests per day; 0 means unlimited.
    public var rpd: Int
    /// Tokens per minute (prompt + max_tokens reserved at admission); 0 means unlimited.
    public var tpm: Int
    /// Tokens per day; 0 means unlimited.
    public var tpd: Int
    /// Completion tokens generated per second, for the latency model.
    public var tokensPerSecond: Double
    /// A retired model: requests get Groq's 400 `model_decommissioned` and `/models` omits it.
    public var decommissioned: Bool
    /// Whether it decodes under a JSON schema (`"strict": true`); other models refuse strict requests
    /// and answer schemas on a best-effort basis. By default the gpt-oss models do, as on Groq.
    public var strictJSONSchema: Bool
    /// Whether it caches prompt prefixes (`cached_tokens`). By default the models Groq caches for.
    public var promptCaching: Bool
    static let cachingModels: Set<String> = [
        "openai/gpt-oss-20b", "openai/gpt-oss-120b", "openai/gpt-oss-safeguard-20b", "moonshotai/kimi-k2-instruct-0905",
    ]

    public init(
        id: String, ownedBy: String = "simulator", contextWindow: Int = 131_072, maxOutput: Int = 32_768,
        rpm: Int = 0, rpd: Int = 0, tpm: Int = 0, tpd: Int = 0, tokensPerSecond: Double = 500, decommissioned: Bool = false,
        strictJSONSchema: Bool? = nil, promptCaching: Bool? = nil
    ) {
        self.strictJSONSchema = strictJSONSchema ?? id.hasPrefix("openai/gpt-oss")
        self.promptCaching = promptCaching ?? Self.cachingModels.contains(id)
        self.id = id
        self.ownedBy = ownedBy
        self.contextWindow = contextWindow
        self.maxOutput = maxOutput
        self.rpm = rpm
        self.rpd = rpd
        self.tpm = tpm
        self.tpd = tpd
        self.tokensPerSecond = tokensPerSecond
        self.decommissioned = decommissioned
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, rpm, rpd, tpm, tpd, decommissioned
        case ownedBy = "owned_by"
        case contextWindow = "context_window"
        case maxOutput = "max_output"
        case tokensPerSecond = "tokens_per_second"
        case strictJSONSchema = "strict_json_schema"
        case promptCaching = "prompt_caching"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try ConfigurationKeys.rejectUnknown(in: decoder, known: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id),
            ownedBy: try c.decodeIfPresent(String.self, forKey: .ownedBy) ?? "simulator",
            contextWindow: try c.decodeIfPresent(Int.self, forKey: .contextWindow) ?? 131_072,
            maxOutput: try c.decodeIfPresent(Int.self, forKey: .maxOutput) ?? 32_768,
            rpm: try c.decodeIfPresent(Int.self, forKey: .rpm) ?? 0,
            rpd: try c.decodeIfPresent(Int.self, forKey: .rpd) ?? 0,
            tpm: try c.decodeIfPresent(Int.self, forKey: .tpm) ?? 0,
            tpd: try c.decodeIfPresent(Int.self, forKey: .tpd) ?? 0,
            tokensPerSecond: try c.decodeIfPresent(Double.self, forKey: .tokensPerSecond) ?? 500,
            decommissioned: try c.decodeIfPresent(Bool.self, forKey: .decommissioned) ?? false,
            strictJSONSchema: try c.decodeIfPresent(Bool.self, forKey: .strictJSONSchema),
            promptCaching: try c.decodeIfPresent(Bool.self, forKey: .promptCaching))
    }
}
