import Foundation

/// What groqbatch knows about models before the provider says anything: context window, output limit,
/// published rate limits and prices. It is data, not code: the binary carries Groq's table
/// (`ModelCatalog.groq`), a file can replace it, and the provider's headers and 429s correct it.
public struct ModelCatalog: Sendable, Equatable {
    /// One model's entry.
    public struct Entry: Sendable, Equatable, Codable {
        public var id: String
        public var contextWindow: Int?
        public var maxOutput: Int?
        public var rpm: Int?
        public var rpd: Int?
        public var tpm: Int?
        public var tpd: Int?
        /// US dollars per million prompt tokens.
        public var inputPrice: Double?
        /// US dollars per million completion tokens.
        public var outputPrice: Double?
        /// `active` or `decommissioned`.
        public var status: String?
        /// Whether the model decodes under a JSON schema (`"strict": true` in `response_format`).
        /// Absent means no: requests to it ask for best effort.
        public var strictJSONSchema: Bool?
        /// Whether the provider caches prompt prefixes for the model (Groq: automatically, on some
        /// models). Absent means not known: an answer reporting cached tokens teaches it.
        public var promptCaching: Bool?

        enum CodingKeys: String, CodingKey {
            case id, rpm, rpd, tpm, tpd, status
            case strictJSONSchema = "strict_json_schema"
            case promptCaching = "prompt_caching"
            case contextWindow = "context_window"
            case maxOutput = "max_output"
            case inputPrice = "input_price"
            case outputPrice = "output_price"
        }

        public init(
            id: String, contextWindow: Int? = nil, maxOutput: Int? = nil, rpm: Int? = nil, rpd: Int? = nil, tpm: Int? = nil, tpd: Int? = nil,
            inputPrice: Double? = nil, outputPrice: Double? = nil, status: String? = nil
        ) {
            self.id = id
            self.contextWindow = contextWindow
            self.maxOutput = maxOutput
            self.rpm = rpm
            self.rpd = rpd
            self.tpm = tpm
            self.tpd = tpd
            self.inputPrice = inputPrice
            self.outputPrice = outputPrice
            self.status = status
        }

        /// Whether the provider retired the model: jobs move past it without a call.
        public var isDecommissioned: Bool { status == "decommissioned" }

        /// US dollars for this many prompt and completion tokens; 0 without prices.
        /// US dollars for a call; `cachedTokens` of the prompt (read from the provider's prompt cache) cost
        /// half the input price.
        public func cost(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) -> Double {
            let cached = Double(min(max(cachedTokens, 0), promptTokens))
            return ((Double(promptTokens) - cached / 2) * (inputPrice ?? 0) + Double(completionTokens) * (outputPrice ?? 0)) / 1_000_000
        }

        public func limit(_ kind: LimitKind) -> Int? {
            switch kind {
            case .rpm: rpm
            case .rpd: rpd
            case .tpm: tpm
            case .tpd: tpd
            }
        }
    }

    public var entries: [String: Entry]
    /// The source its limits carry: `catalog`, for the built-in table and for files replacing it alike
    /// (published limits are a guess about one account; `limits set` is how a user pins one).
    public var source: LimitSource

    public init(entries: [Entry], source: LimitSource) {
        self.entries = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.source = source
    }

    /// Limits for a model the catalog does not know: the lowest Groq publishes for its free tier, so
    /// a new model costs at most a few slow minutes until the provider's headers say more.
    public static let unknownModelLimits: [LimitKind: Int] = [.rpm: 30, .rpd: 1_000, .tpm: 6_000, .tpd: 100_000]

    /// The meters' name for a model's `flex` service tier, which Groq limits apart from on-demand.
    public static func flexKey(_ model: String) -> String { model + flexSuffix }

    /// The model a meter key names, and whether it is the model's flex meter: `flexKey`'s inverse.
    public static func meterModel(_ key: String) -> (model: String, flex: Bool) {
        key.hasSuffix(flexSuffix) ? (String(key.dropLast(flexSuffix.count)), true) : (key, false)
    }

    private static let flexSuffix = "@flex"

    /// Flex limits start at this many times the model's on-demand limits (Groq publishes "about ten").
    public static let flexLimitMultiplier = 10

    /// The starting limit and its source for a model's meter (or its flex meter, `model@flex`).
    public func startingLimit(model: String, kind: LimitKind) -> (limit: Int?, source: LimitSource) {
        let named = Self.meterModel(model)
        if named.flex {
            let base = startingLimit(model: named.model, kind: kind)
            return (base.limit.map { $0 * Self.flexLimitMultiplier }, base.source)
        }
        guard let entry = entries[model] else { return (Self.unknownModelLimits[kind], .fallback) }
        guard let limit = entry.limit(kind) else { return (nil, source) }
        return (limit, source)
    }

    /// Reads a catalog file: `{"models": [{"id", "context_window", "max_output", "rpm", ...}]}`.
    public static func load(path: String) throws -> ModelCatalog {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError(description: "\(path): cannot read the catalog file")
        }
        return try decode(data, source: .catalog, name: path)
    }

    static func decode(_ data: Data, source: LimitSource, name: String) throws -> ModelCatalog {
        struct File: Decodable { var models: [Entry] }
        do {
            return ModelCatalog(entries: try JSONDecoder().decode(File.self, from: data).models, source: source)
        } catch {
            throw CatalogError(description: "\(name): not a model catalog: \(error)")
        }
    }

    /// Why a catalog file cannot be used.
    public struct CatalogError: Error, CustomStringConvertible {
        public var description: String
    }
}
