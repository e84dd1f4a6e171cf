/// One limit of one model (requests or tokens, per minute or per day), enforced as a rolling window or a
/// refilling bucket. Times are seconds on the simulator's monotonic clock.
struct UsageMeter: Sendable {
    /// A spend that can later be partly refunded (tokens reserved at admission, settled after).
    struct Ticket: Sendable {
        var id: Int
        var amount: Int
    }

    var limit: Int
    let period: Double
    let enforcement: LimitEnforcement
    /// Rolling window: what was spent when, oldest first.
    private var entries: [(time: Double, amount: Int, id: Int)] = []
    private var head = 0
    /// Refilling bucket: what is left, as of `refilledAt`.
    private var level: Double
    private var refilledAt: Double = 0
    private var nextID = 0

    init(limit: Int, period: Double, enforcement: LimitEnforcement) {
        self.limit = limit
        self.period = period
        self.enforcement = enforcement
        level = Double(limit)
    }

    var isUnlimited: Bool { limit <= 0 }

    /// What counts against the limit now.
    mutating func used(at now: Double) -> Int {
        switch enforcement {
        case .rollingWindow:
            prune(now)
            return entries[head...].reduce(0) { $0 + $1.amount }
        case .refillingBucket:
            refill(now)
            return Int((Double(limit) - level).rounded(.up))
        }
    }

    mutating func remaining(at now: Double) -> Int {
        max(0, limit - used(at: now))
    }

    /// Seconds until `amount` fits; 0 when it fits now.
    mutating func wait(for amount: Int, at now: Double) -> Double {
        if isUnlimited { return 0 }
        switch enforcement {
        case .rollingWindow:
            var excess = used(at: now) + amount - limit
            if excess <= 0 { return 0 }
            for entry in entries[head...] {
                excess -= entry.amount
                if excess <= 0 { return max(0, entry.time + period - now) }
            }
            return period
        case .refillingBucket:
            refill(now)
            let missing = Double(amount) - level
            return missing <= 0 ? 0 : missing * period / Double(limit)
        }
    }

    /// Seconds until the meter is full again (Groq's `x-ratelimit-reset-*`).
    mutating func resetIn(at now: Double) -> Double {
        if isUnlimited { return 0 }
        switch enforcement {
        case .rollingWindow:
            prune(now)
            return entries.last.map { max(0, $0.time + period - now) } ?? 0
        case .refillingBucket:
            refill(now)
            return (Double(limit) - level) * period / Double(limit)
        }
    }

    mutating func spend(_ amount: Int, at now: Double) -> Ticket {
        nextID += 1
        switch enforcement {
        case .rollingWindow:
            prune(now)
            entries.append((now, amount, nextID))
        case .refillingBucket:
            refill(now)
            level -= Double(amount)
        }
        return Ticket(id: nextID, amount: amount)
    }

    /// Gives back `amount` of a spend (a reservation larger than the actual usage), or, when negative,
    /// charges what the usage exceeded it by (a request without max_tokens reserves its prompt alone).
    mutating func refund(_ amount: Int, of ticket: Ticket, at now: Double) {
        guard amount != 0 else { return }
        switch enforcement {
        case .rollingWindow:
            if let index = entries[head...].firstIndex(where: { $0.id == ticket.id }) {
                entries[index].amount = max(0, entries[index].amount - amount)
            }
        case .refillingBucket:
            refill(now)
            level = min(Double(limit), level + Double(amount))
        }
    }

    /// Changes the limit, keeping what was spent.
    mutating func setLimit(_ newLimit: Int, at now: Double) {
        if enforcement == .refillingBucket {
            refill(now)
            level = max(0, level + Double(newLimit - limit))
        }
        limit = newLimit
    }

    private mutating func prune(_ now: Double) {
        while head < entries.count, entries[head].time + period <= now { head += 1 }
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    private mutating func refill(_ now: Double) {
        guard limit > 0, now > refilledAt else { return }
        level = min(Double(limit), level + (now - refilledAt) * Double(limit) / period)
        refilledAt = now
    }
}
