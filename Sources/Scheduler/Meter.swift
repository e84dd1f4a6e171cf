/// One limit of one model, as a sliding log of spends: pure value type, times in seconds (any clock).
///
/// **Why a sliding log.** A known limit must never be exceeded whether the provider enforces a rolling
/// window or a refilling bucket. Spending at most L in every window of length P means at most
/// L + T·L/P over any interval of length T, which a bucket of L refilling at L/P always admits; a
/// bucket on this side, by contrast, can spend 2L inside one rolling window. So the log is safe
/// under both, and it is exact: the wait it returns is the instant the oldest blocking spend leaves.
///
/// **Bursts.** What the provider allows may be spent at once: a fresh window takes its whole limit, so
/// a 25-job batch on a 30-RPM model runs in seconds. That holds for stated limits and for the part of a
/// guess known safe (its floor: the catalog's free-tier number, which no account is below). What a
/// guess holds above its floor is paced at limit/period (a GCRA whose burst is the floor), so when the
/// real limit is lower only the calls in flight overshoot it, and the first 429 names it.
///
/// **Guesses are not ceilings.** A stated limit (headers, a 429 or 413 body, `limits set`) is firm: a
/// job larger than it can never fit. A guess never refuses a job: a job larger than it goes alone once
/// the window is empty, and the provider's answer says the rest. A guess that binds while work waits is
/// raised (`raiseGuess`).
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
    /// For a guess, how far it has got; nil for a limit the provider or the user stated.
    public var guess: GuessState?
    /// For a guess, the part of the limit known safe: spent up to at once. Nil when nothing is known
    /// safe (a guess scaled below the catalog's), so every spend is paced.
    public var floor: Int?
    /// When the guess was last raised.
    public var raisedAt: Double?
    /// A 429 said: nothing before this instant.
    public var blockedUntil: Double?
    /// The pacing schedule: the earliest instant the next spend may start (while a guess is probed).
    public var pacedUntil: Double
    /// Spends still in (or ahead of) the window, oldest first.
    public var spends: [Spend]

    public init(
        kind: LimitKind, limit: Int?, source: LimitSource, guess: GuessState? = nil, floor: Int? = nil, raisedAt: Double? = nil,
        blockedUntil: Double? = nil, pacedUntil: Double = 0, spends: [Spend] = []
    ) {
        self.kind = kind
        self.limit = limit
        self.source = source
        self.guess = source.isConfirmed ? nil : (guess ?? .unchecked)
        self.floor = source.isConfirmed ? nil : (guess == nil ? limit : floor)
        self.raisedAt = raisedAt
        self.blockedUntil = blockedUntil
        self.pacedUntil = pacedUntil
        self.spends = spends
    }

    public var period: Double { kind.period }

    /// Whether the limit was stated (by the provider or the user), so a job larger than it never fits.
    public var isFirm: Bool { guess == nil }

    /// What counts against the limit at `now`.
    public func used(at now: Double) -> Int {
        spends.reduce(0) { $0 + ($1.at > now - period ? $1.amount : 0) }
    }

    public func remaining(at now: Double) -> Int? {
        limit.map { max(0, $0 - used(at: now)) }
    }

    /// Seconds from `now` until `amount` may be spent: 0 when it may now, nil when it never can
    /// (more than the whole of a firm limit).
    public func wait(for amount: Int, at now: Double) -> Double? {
        var wait = max(0, (blockedUntil ?? 0) - now)
        guard let limit else { return wait }
        if amount > limit {
            // A guess never refuses a job: it goes alone in an empty window, and the answer teaches.
            return isFirm ? nil : max(wait, resetIn(at: now))
        }
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

    /// Whether spends are paced: a per-minute guess above the part known safe.
    public var isPaced: Bool {
        guard period <= 60, let limit, !isFirm else { return false }
        return limit > (floor ?? 0)
    }

    /// How far ahead of its schedule the pacing lets spends run: the floor's share of the period.
    public var burstTolerance: Double {
        guard let limit, limit > 0 else { return period }
        return period * Double(min(limit, floor ?? 0)) / Double(limit)
    }

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
        max(0, (spends.filter { $0.amount > 0 }.map(\.at).max() ?? now - period) + period - now)
    }

    /// Drops spends that can no longer count.
    public mutating func prune(at now: Double) {
        let horizon = now - period
        spends.removeAll { $0.at <= horizon }
    }

    /// How long a raised guess must hold before the next raise: long enough for the calls it let
    /// through to answer (a 429 stops the search), short enough to reach a high tier within minutes.
    public var raiseInterval: Double { kind.period <= 60 ? 10 : 60 }

    /// Raises a guess that binds while work waits: doubles it (at most once per `raiseInterval`), and
    /// paces what lies above its floor. Returns whether it raised. Firm limits, trusted tiers, meters
    /// a 429 blocks and guesses raised a moment ago stay as they are.
    @discardableResult
    public mutating func raiseGuess(at now: Double) -> Bool {
        guard let guess, guess.mayBeRaised, let limit, (blockedUntil ?? 0) <= now else { return false }
        if let raisedAt, now - raisedAt < raiseInterval { return false }
        let (doubled, overflow) = limit.multipliedReportingOverflow(by: 2)
        self.limit = overflow ? Int.max : doubled
        self.guess = .probing
        raisedAt = now
        // What the window holds is on the schedule already: above the floor, one call goes now (the
        // probe) and the rest follow at the new rate, so a step too far costs one 429, not a burst of them.
        if isPaced, let limit = self.limit, limit > 0 {
            pacedUntil = max(pacedUntil, now + Double(used(at: now)) * period / Double(limit))
        }
        return true
    }
}
