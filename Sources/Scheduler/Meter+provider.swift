/// The provider is the truth: what its headers and 429 bodies say corrects the meter.
extension Meter {
    /// Applies `x-ratelimit-limit-*`, `-remaining-*` and `-reset-*` for this meter's kind.
    ///
    /// The limit is taken as it is, and is firm from then on. Usage is corrected upwards only: when the
    /// provider counts more than this meter does (another client of the same organization, a restart
    /// that lost nothing but predates this file, an estimate too low), the difference is added as a
    /// spend that leaves the window when the provider says the budget is full again. It is never
    /// corrected downwards, because calls admitted here may not have reached the provider yet.
    public mutating func applyHeaders(limit newLimit: Int?, remaining: Int?, resetIn: Double?, at now: Double) {
        if let newLimit { state(limit: newLimit, source: .header) }
        guard let limit, let remaining else { return }
        let providerUsed = limit - remaining
        let missing = providerUsed - used(at: now)
        if missing > 0 {
            spends.append(Spend(at: now + (resetIn ?? period) - period, amount: missing))
        }
    }

    /// Applies a 429's `Limit L, Used U ... try again in W`: sets the limit (firm), makes the meter count
    /// at least U until W has passed, and blocks it until then, for every worker sharing the queue.
    public mutating func applyRateLimit(limit newLimit: Int, used providerUsed: Int?, retryAfter: Double?, at now: Double) {
        state(limit: newLimit, source: .rateLimitError)
        let wait = retryAfter ?? period
        blockedUntil = max(blockedUntil ?? 0, now + wait)
        if let providerUsed {
            let missing = providerUsed - used(at: now)
            if missing > 0 { spends.append(Spend(at: now + wait - period, amount: missing)) }
        }
    }

    /// A limit stated by the provider: firm, no longer a guess or paced.
    mutating func state(limit newLimit: Int, source newSource: LimitSource) {
        limit = newLimit
        source = newSource
        guess = nil
        floor = nil
        raisedAt = nil
    }

    /// Follows the account's tier as the first headers showed it: `factor` is the stated limits' ratio
    /// to the catalog's. About 1: the catalog's tier, trusted. Otherwise the guess is scaled by it, and
    /// the floor is the lower of the two: above 1 the catalog's number (no account is below it), below 1
    /// the scaled one (the headers' tier is the best word there is; if it is still too high, the first
    /// 429 names the limit).
    mutating func follow(tierFactor factor: Double) {
        guard guess == .unchecked, let limit, factor > 0 else { return }
        if (0.9...1.1).contains(factor) {
            guess = .tier
            return
        }
        let scaled = Double(limit) * factor
        self.limit = scaled >= Double(Int.max) ? Int.max : max(1, Int(scaled))
        guess = .scaled
        floor = min(limit, self.limit!)
    }

    /// The provider answered without any rate-limit header: it states no limit, so a guess assumes none.
    mutating func dropUnstatedGuess() {
        guard guess == .unchecked else { return }
        limit = nil
        guess = GuessState.none
        floor = nil
        pacedUntil = 0
    }
}
