/// What one call of a job takes from its model's budgets.
public struct JobCost: Sendable, Equatable {
    /// Estimated prompt tokens plus the output limit: what Groq reserves at admission.
    public var tokens: Int
    public var requests: Int = 1
    /// Estimated US dollars at the catalog's prices (0 when the model has none).
    public var cost: Double = 0

    public init(tokens: Int, requests: Int = 1, cost: Double = 0) {
        self.tokens = tokens
        self.requests = requests
        self.cost = cost
    }

    public func amount(for kind: LimitKind) -> Int {
        kind.countsTokens ? tokens : requests
    }
}
