/// What `groqbatch limits` says of a limit: whether it is firm, and what the GroqQueue is doing about it.
public enum MeterStanding: String, Sendable, Codable, CaseIterable {
    /// Set by hand (`limits set`): firm.
    case pinned
    /// Stated by the provider (a header, a 429 or 413 body): firm.
    case learned
    /// The catalog's number (or the default), not yet checked against the provider: a floor.
    case guess
    /// A guess the headers confirmed: the account is on the catalog's tier.
    case tier
    /// A guess scaled to the tier the headers showed.
    case scaled
    /// A guess raised while work waited on it, until a 429 names the real limit.
    case probing
    /// The provider states no limit (it sends no rate-limit headers): none is assumed.
    case unstated = "none-stated"

    public init(_ meter: Meter) {
        switch meter.guess {
        case nil: self = meter.source == .config ? .pinned : .learned
        case .unchecked?: self = .guess
        case .tier?: self = .tier
        case .scaled?: self = .scaled
        case .probing?: self = .probing
        case .none?: self = .unstated
        }
    }

    /// Whether the limit is firm: a job larger than it fails (or moves on) without a call.
    public var isFirm: Bool { self == .pinned || self == .learned }
}
