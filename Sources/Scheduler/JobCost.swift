/// What one call of a job takes from its model's budgets.
public struct JobCost: Sendable, Equatable {
    /// Estimated prompt tokens plus the output limit: what Groq reserves at admission.
    public var tokens: Int
    public var requests: Int = 1

    public init(tokens: Int, requests: Int = 1) {
        self.tokens = tokens
        self.requests = requests
    }

    public func amount(for kind: LimitKind) -> Int {
        kind.countsTokens ? tokens : requests
    }
}
