/// A batch's answers so far, for the dashboard's overview: how many, what they cost, how fast.
public struct BatchActivity: Sendable, Equatable {
    public var answers: Int
    /// US dollars at the catalog's prices; nil when no answer had a price.
    public var cost: Double?
    /// Unix seconds of the first and the last answer.
    public var firstAnswer: Double
    public var lastAnswer: Double

    public init(answers: Int, cost: Double?, firstAnswer: Double, lastAnswer: Double) {
        self.answers = answers
        self.cost = cost
        self.firstAnswer = firstAnswer
        self.lastAnswer = lastAnswer
    }

    /// Answers per minute between the first and the last; nil until there are two moments.
    public var answersPerMinute: Double? {
        lastAnswer > firstAnswer ? Double(answers) / ((lastAnswer - firstAnswer) / 60) : nil
    }
}
