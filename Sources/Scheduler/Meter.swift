/// One limit of one model, as a sliding log of spends: pure value type, times in seconds (any clock).
///
/// **Why a sliding log.** A known limit must never be exceeded whether the provider enforces a rolling
/// window or a refilling bucket. Spending at most L in every window of length P means at most
/// L + T·L/P over any interval of length T, which a bucket of L refilling at L/P always admits; a
/// bucket on this side, by contrast, can spend 2L inside one rolling window. So the log is safe
/// under both, and it is exact: the wait it returns is the instant the oldest blocking spend leaves.
///
/// **Pacing.** Per-minute spends are also paced at the rate limit/period (a GCRA), because a window
/// that admits whole bursts releases them again in bursts one period later, and a batch then ends at
/// a multiple of the period instead of at its rate. A confirmed limit allows a burst of a tenth of the
/// period's budget. A limit that is only a guess (the catalog's, or the default for an unknown model;
/// Groq's headers never give requests per minute) allows none, so when the real limit is lower only
/// the one call in flight overshoots it, and its 429 teaches the limit. Daily meters are not paced: a
/// day's budget may be used as fast as the per-minute limits allow.
///
/// **Clocks.** Spends stamped in the future (the clock stepped back) still count, and leave the
/// window later than they would have: a clock jump can only make the meter more careful.
public struct Meter: Sendable, Equatable {
    /// One spend in the window.
    public struct Spend: Sendable, Equatable {
        public var at: Double
        public var amount: Int
        /// The store's row id, so a reservation can be settled later.
        public var id: Int64?
        public init(at: Double, amount: Int, id: Int64? = nil) {
            self.at = at
            self.amount = amount
            self.id = id
        }
    }

    public var kind: LimitKind
    /// The limit, or nil when there is none to respect.
    public var limit: Int?
    public var source: LimitSource
    /// A 429 said: nothing before this instant.
    public var blockedUntil: Double?
    /// The pacing schedule: the earliest instant the next spend may start (while the limit is a guess).
    public var pacedUntil: Double
    /// Spends still in (or ahead of) the window, oldest first.
    public var spends: [Spend]

    public init(kind: LimitKind, limit: Int?, source: LimitSource, blockedUntil: Double? = nil, pacedUntil: Double = 0, spends: [Spend] = []) {
        self.kind = kind
        self.limit = limit
        self.source = source
        self.blockedUntil = blockedUntil
        self.pacedUntil = pacedUntil
        self.spends = spends
    }

    public var period: Double { kind.period }

    /// What counts against the limit at `now`.
    public func used(at now: Double) -> Int {
        spends.reduce(0) { $0 + ($1.at > now - period ? $1.amount : 0) }
    }

    public func remaining(at now: Double) -> Int? {
        limit.map { max(0, $0 - used(at: now)) }
    }

    /// Seconds from `now` until `amount` may be spent: 0 when it may now, nil when it never can
    /// (more than the whole limit).
    public func wait(for amount: Int, at now: Double) -> Double? {
        var wait = max(0, (blockedUntil ?? 0) - now)
        guard let limit else { return wait }
        if amount > limit { return nil }
        if isPaced { wait = max(wait, pacedUntil - burstTolerance - now) }
        // The window: drop the oldest spends until the amount fits.
        var excess = used(at: now) + amount - limit
        if excess > 0 {
            for spend in spends.sorted(by: { $0.at < $1.at }) where spend.at > now - period {
                excess -= spend.amount
                if excess <= 0 {
                    wait = max(wait, spend.at + period - now)
                    break
                }
            }
        }
        return wait
    }

    /// Whether spends are paced (per-minute meters with a limit).
    public var isPaced: Bool { period <= 60 && limit != nil }

    /// How far ahead of its schedule the pacing lets spends run.
    public var burstTolerance: Double { source.isConfirmed ? period * 0.1 : 0 }

    /// Gives back part of the pacing schedule when a reservation settles lower than it was.
    public mutating func refundPacing(_ amount: Int, at now: Double) {
        guard isPaced, let limit, limit > 0, amount > 0 else { return }
        pacedUntil = max(now, pacedUntil - Double(amount) * period / Double(limit))
    }

    /// Records a spend. Call only when `wait(for:at:)` is 0.
    public mutating func spend(_ amount: Int, at now: Double) {
        spends.append(Spend(at: now, amount: amount))
        if isPaced, let limit, limit > 0 {
            pacedUntil = max(pacedUntil, now) + Double(amount) * period / Double(limit)
        }
    }

    /// Settles a reservation to what the call really used (a refund when it used less).
    public mutating func settle(spendID: Int64, actual: Int) {
        if let index = spends.firstIndex(where: { $0.id == spendID }) { spends[index].amount = actual }
    }

    /// Seconds until the meter is empty again (the last spend leaves the window).
    public func resetIn(at now: Double) -> Double {
        max(0, (spends.map(\.at).max() ?? now - period) + period - now)
    }

    /// Drops spends that can no longer count.
    public mutating func prune(at now: Double) {
        let horizon = now - period
        spends.removeAll { $0.at <= horizon }
    }
}
