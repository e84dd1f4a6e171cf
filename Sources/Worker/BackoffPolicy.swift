/// How long a job waits before its next try on the same model.
///
/// Exponential backoff with full jitter: a uniform draw from zero to `min(cap, base * 2^(attempt-1))`,
/// so many jobs failing together do not come back together. A provider's stated wait (`retry-after`,
/// a 429's "try again in") wins when it is longer.
public struct BackoffPolicy: Sendable, Equatable {
    /// The first retry's upper bound, seconds. The default is 1.
    public var base: Double
    /// The largest wait, seconds. The default is 300 (5 minutes).
    public var cap: Double

    public static func exponentialJitter(base: Double = 1, cap: Double = 300) -> BackoffPolicy {
        BackoffPolicy(base: base, cap: cap)
    }

    /// The wait before retry number `retry` (1 for the first retry), given a provider's wait if any.
    public func delay(retry: Int, providerWait: Double?, random: Double) -> Double {
        let exponent = Double(max(0, min(retry - 1, 30)))
        let ceiling = min(cap, base * pow2(exponent))
        return max(ceiling * min(max(random, 0), 1), providerWait ?? 0)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
