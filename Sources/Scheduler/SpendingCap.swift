/// A user's budget on top of the provider's: a cap on tokens and on estimated cost, for one batch or
/// one day, with what was spent (open reservations included). A capped batch pauses; it never fails.
public struct SpendingCap: Sendable, Equatable {
    public var maxTokens: Int?
    /// US dollars.
    public var maxCost: Double?
    public var spentTokens: Int
    public var spentCost: Double

    public init(maxTokens: Int? = nil, maxCost: Double? = nil, spentTokens: Int = 0, spentCost: Double = 0) {
        self.maxTokens = maxTokens
        self.maxCost = maxCost
        self.spentTokens = spentTokens
        self.spentCost = spentCost
    }

    public var isUnlimited: Bool { maxTokens == nil && maxCost == nil }

    public func allows(tokens: Int, cost: Double) -> Bool {
        (maxTokens.map { spentTokens + tokens <= $0 } ?? true) && (maxCost.map { spentCost + cost <= $0 + 1e-9 } ?? true)
    }

    public mutating func add(tokens: Int, cost: Double) {
        spentTokens += tokens
        spentCost += cost
    }

    /// Why a job of `cost` does not fit, in words for `status`.
    public func reason(for cost: JobCost) -> String {
        if let maxTokens, spentTokens + cost.tokens > maxTokens {
            return "token cap \(maxTokens) reached: \(spentTokens) spent, the next job needs about \(cost.tokens)"
        }
        if let maxCost {
            return String(format: "cost cap $%.2f reached: $%.4f spent, the next job needs about $%.4f", maxCost, spentCost, cost.cost)
        }
        return "cap reached"
    }
}
