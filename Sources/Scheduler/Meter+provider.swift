/// The provider is the truth: what its headers and 429 bodies say corrects the meter.
extension Meter {
    /// Applies `x-ratelimit-limit-*`, `-remaining-*` and `-reset-*` for this meter's kind.
    ///
    /// The limit is taken as it is. Usage is corrected upwards only: when the provider counts more than
    /// this meter does (another client of the same organization, a restart that lost nothing but
    /// predates this file, an estimate too low), the difference is added as a spend that leaves the
    /// window when the provider says the budget is full again. It is never corrected downwards, because
    /// calls admitted here may not have reached the provider yet.
    public mutating func applyHeaders(limit newLimit: Int?, remaining: Int?, resetIn: Double?, at now: Double) {
        if let newLimit {
            limit = newLimit
            source = .header
        }
        guard let limit, let remaining else { return }
        let providerUsed = limit - remaining
        let missing = providerUsed - used(at: now)
        if missing > 0 {
            spends.append(Spend(at: now + (resetIn ?? period) - period, amount: missing))
        }
    }

    /// Applies a 429's `Limit L, Used U ... try again in W`: sets the limit, makes the meter count at
    /// least U until W has passed, and blocks it until then, for every worker sharing the file.
    public mutating func applyRateLimit(limit newLimit: Int, used providerUsed: Int?, retryAfter: Double?, at now: Double) {
        limit = newLimit
        source = .rateLimitError
        let wait = retryAfter ?? period
        blockedUntil = max(blockedUntil ?? 0, now + wait)
        if let providerUsed {
            let missing = providerUsed - used(at: now)
            if missing > 0 { spends.append(Spend(at: now + wait - period, amount: missing)) }
        }
    }
}
