import Foundation

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

    /// Decayed sum and count of the completions of answered jobs that set no `max_tokens`.
    public var completionTokens: Double = 0
    public var completionSamples: Int = 0

    /// Decayed sums of the prompt tokens the provider read from its cache and of all prompt tokens of
    /// answers that reported caching: the model's recent hit rate.
    public var cachedTokens: Double = 0
    public var cachePromptTokens: Double = 0

    public init(
        characters: Double = 0, tokens: Double = 0, samples: Int = 0, relativeError: Double = 0, completionTokens: Double = 0,
        completionSamples: Int = 0
    ) {
        self.completionTokens = completionTokens
        self.completionSamples = completionSamples
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

    /// What a job without `max_tokens` reserves for its completion before any has answered: a typical
    /// answer, not the model's whole output limit (which would make one job look larger than a free
    /// tier's minute). The first answers replace it.
    public static let initialCompletionReservation = 1_024

    /// The completion tokens a job without `max_tokens` reserves: the decayed mean of such answers with a
    /// margin (half again while fewer than eight have answered, a quarter after), never more than
    /// `maxOutput`. An answer longer than its reservation is settled at its real size, and the
    /// provider's headers correct the meter if it counted more.
    public func completionReservation(maxOutput: Int?) -> Int {
        let typical =
            completionSamples > 0
            ? Int((completionTokens / Self.completionWeight(completionSamples) * (completionSamples < 8 ? 1.5 : 1.25)).rounded(.up))
            : Self.initialCompletionReservation
        return max(16, min(typical, maxOutput ?? Int.max))
    }

    /// The share of recent prompt tokens read from the provider's cache; nil before any answer reported it.
    public var cacheHitRate: Double? { cachePromptTokens > 0 ? cachedTokens / cachePromptTokens : nil }

    /// Whether the provider has been seen caching this model's prompts.
    public var seenCaching: Bool { cachedTokens > 0 }

    /// Learns one answer's cached prompt tokens (`usage.prompt_tokens_details.cached_tokens`).
    public mutating func learnCache(cached: Int, prompt: Int) {
        guard prompt > 0, cached >= 0 else { return }
        cachedTokens = cachedTokens * Self.decay + Double(min(cached, prompt))
        cachePromptTokens = cachePromptTokens * Self.decay + Double(prompt)
    }

    /// Learns one answer's completion of a job without `max_tokens`.
    public mutating func learnCompletion(tokens: Int) {
        guard tokens >= 0 else { return }
        completionTokens = completionTokens * Self.decay + Double(tokens)
        completionSamples += 1
    }

    /// The sum of the decay weights of `samples` samples (the decayed count the decayed sum divides by).
    static func completionWeight(_ samples: Int) -> Double {
        (1 - Foundation.pow(decay, Double(samples))) / (1 - decay)
    }
}
