/// Estimates a prompt's tokens from its characters, learning the model's ratio from every
/// `usage.prompt_tokens` the provider reports. Providers count with their own tokenizers, so a fixed
/// characters/4 is off by 10-40%; a learned ratio plus a small margin stops 429s from underestimates.
public struct TokenEstimator: Sendable, Equatable {
    /// Decayed sums of characters and tokens seen (recent requests weigh more).
    public var characters: Double
    public var tokens: Double
    public var samples: Int
    /// A running average of the relative error of the ratio's estimate (before the margin).
    public var relativeError: Double

    public static let initialRatio = 0.25
    /// How much each new sample outweighs the old ones.
    static let decay = 0.98

    public init(characters: Double = 0, tokens: Double = 0, samples: Int = 0, relativeError: Double = 0) {
        self.characters = characters
        self.tokens = tokens
        self.samples = samples
        self.relativeError = relativeError
    }

    /// Tokens per character.
    public var ratio: Double {
        characters > 0 && tokens > 0 ? tokens / characters : Self.initialRatio
    }

    /// The safety margin: wide while the ratio is a guess, narrow once it is learned.
    public var margin: Double {
        samples < 8 ? 0.25 : min(0.25, max(0.05, relativeError * 1.5))
    }

    /// The tokens to reserve for a prompt of `characters` characters.
    public func estimate(characters count: Int) -> Int {
        Int((Double(count) * ratio * (1 + margin)).rounded(.up)) + 1
    }

    /// Learns from one response.
    public mutating func learn(characters count: Int, tokens actual: Int) {
        guard count > 0, actual > 0 else { return }
        let predicted = Double(count) * ratio
        let error = abs(predicted - Double(actual)) / Double(actual)
        relativeError = samples == 0 ? error : relativeError * 0.9 + error * 0.1
        characters = characters * Self.decay + Double(count)
        tokens = tokens * Self.decay + Double(actual)
        samples += 1
    }
}
