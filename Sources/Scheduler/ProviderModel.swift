/// A model as the provider's `GET /models` last listed it (`groqbatch models --refresh`), or as having
/// vanished from that list.
public struct ProviderModel: Sendable, Equatable, Codable {
    public var id: String
    public var contextWindow: Int?
    public var maxOutput: Int?
    public var ownedBy: String?
    /// `active`, or `decommissioned` once it is no longer listed.
    public var status: String

    public init(id: String, contextWindow: Int? = nil, maxOutput: Int? = nil, ownedBy: String? = nil, status: String = "active") {
        self.id = id
        self.contextWindow = contextWindow
        self.maxOutput = maxOutput
        self.ownedBy = ownedBy
        self.status = status
    }
}

extension ModelCatalog {
    /// The catalog corrected by the provider's list: its context windows, output limits and status win,
    /// and a model only the provider knows joins with the conservative limits of an unknown model.
    public func merging(_ listed: [ProviderModel]) -> ModelCatalog {
        var merged = self
        for model in listed {
            var entry =
                entries[model.id]
                ?? Entry(
                    id: model.id, rpm: Self.unknownModelLimits[.rpm], rpd: Self.unknownModelLimits[.rpd],
                    tpm: Self.unknownModelLimits[.tpm], tpd: Self.unknownModelLimits[.tpd])
            entry.contextWindow = model.contextWindow ?? entry.contextWindow
            entry.maxOutput = model.maxOutput ?? entry.maxOutput
            entry.status = model.status
            merged.entries[model.id] = entry
        }
        return merged
    }
}
