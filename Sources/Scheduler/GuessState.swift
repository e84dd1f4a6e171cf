/// How far a guessed limit has got on its way to the provider's real one.
///
/// The built-in catalog holds Groq's free-tier limits: a floor no account is below, not a ceiling.
/// Groq's headers state two of a model's four limits (tokens per minute, requests per day); the other
/// two stay guesses until a 429 names them. The first answer's headers say which tier the account is
/// on, and the guesses follow it; a guess that still binds while work waits is raised step by step, and
/// the one 429 that a step too far costs names the exact limit and ends the search.
public enum GuessState: String, Sendable, CaseIterable, Codable {
    /// The catalog's number (or the default for an unknown model), before any answer: spent up to at once
    /// (it is a floor), raised when it binds.
    case unchecked
    /// The headers' limits match the catalog's: the account is on the catalog's tier, so the other
    /// numbers of that tier are trusted like stated ones (no probing, no 429 to learn them).
    case tier
    /// Scaled by the ratio between the headers' limits and the catalog's (a higher tier, or a lower or
    /// shared one): spent up to the floor (the lower of the catalog's and the scaled number) at once,
    /// paced above it, raised when it binds.
    case scaled
    /// Raised above the floor while work waited on it: paced above the floor until a 429 names the limit.
    case probing
    /// The provider answered without any rate-limit header: it states no limit, so none is assumed and
    /// only a 429 sets one.
    case none

    /// Whether a guess in this state is raised when it binds while work waits.
    public var mayBeRaised: Bool {
        switch self {
        case .unchecked, .scaled, .probing: true
        case .tier, .none: false
        }
    }
}
