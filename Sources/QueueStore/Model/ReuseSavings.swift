/// What answer reuse saved: the answers given without a call, and the tokens and estimated cost the
/// calls that produced them took (what the same calls again would have taken).
public struct ReuseSavings: Sendable, Equatable, Codable {
    public var answers: Int
    public var tokens: Int
    public var cost: Double

    public init(answers: Int = 0, tokens: Int = 0, cost: Double = 0) {
        self.answers = answers
        self.tokens = tokens
        self.cost = cost
    }
}
