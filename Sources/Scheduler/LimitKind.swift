/// One of the four limits a provider puts on each model.
public enum LimitKind: String, Sendable, CaseIterable, Codable, Comparable {
    case rpm, rpd, tpm, tpd

    /// The window the limit applies to, seconds.
    public var period: Double {
        switch self {
        case .rpm, .tpm: 60
        case .rpd, .tpd: 86_400
        }
    }

    /// Whether the limit counts tokens (else requests).
    public var countsTokens: Bool { self == .tpm || self == .tpd }

    public static func < (lhs: LimitKind, rhs: LimitKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Where a meter's limit came from. The provider's word (headers, 429 bodies) and the user's
/// (configuration, `limits set`) are confirmed; the catalog's and the fallback default are guesses.
public enum LimitSource: String, Sendable, CaseIterable, Codable {
    /// The bundled model catalog (Groq's published limits).
    case catalog
    /// `groqbatch limits set`.
    case config
    /// An `x-ratelimit-limit-*` response header.
    case header
    /// A 429 body's `Limit N`.
    case rateLimitError = "429"
    /// Not in the catalog: conservative limits until the provider says otherwise.
    case fallback = "default"

    /// Whether the limit is known to be right (so bursts up to it are safe).
    public var isConfirmed: Bool {
        switch self {
        case .config, .header, .rateLimitError: true
        case .catalog, .fallback: false
        }
    }
}
