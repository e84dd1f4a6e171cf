/// The four meters of one model, admitted against together.
public struct ModelBudget: Sendable, Equatable {
    public var model: String
    public var meters: [LimitKind: Meter]
    /// When the provider last answered a call on these meters; nil before the first answer.
    public var heardAt: Double?
    /// Calls admitted on these meters still waiting for their outcome.
    public var inFlight: Int

    public init(model: String, meters: [LimitKind: Meter], heardAt: Double? = 0, inFlight: Int = 0) {
        self.model = model
        self.meters = meters
        self.heardAt = heardAt
        self.inFlight = inFlight
    }

    /// How long the first call waits for before a second may go: until the provider's first answer
    /// says which limits apply, guesses admit one call at a time. A second later the claim looks again
    /// (the answer usually wakes it sooner).
    public static let scoutRecheck = 1.0

    /// Whether calls wait for the first answer: the provider has not answered yet, some limit is only a
    /// guess, and a call is out.
    public var awaitsFirstAnswer: Bool {
        heardAt == nil && inFlight > 0 && meters.values.contains { !$0.isFirm && $0.limit != nil }
    }

    /// Seconds until `cost` fits every meter; nil when some firm meter can never hold it.
    public func wait(for cost: JobCost, at now: Double) -> Double? {
        var longest = awaitsFirstAnswer ? Self.scoutRecheck : 0
        for meter in meters.values {
            guard let wait = meter.wait(for: cost.amount(for: meter.kind), at: now) else { return nil }
            longest = max(longest, wait)
        }
        return longest
    }

    /// Whether what keeps `cost` waiting can only pass with time: request counts (a call, once made,
    /// stays counted) or a 429's block. A finished call then frees nothing early; a settled token
    /// reservation, or the first answer a scout waits for, may.
    public func waitsOnlyForTime(for cost: JobCost, at now: Double) -> Bool {
        guard !awaitsFirstAnswer else { return false }
        return meters.allSatisfy { kind, meter in
            guard let wait = meter.wait(for: cost.amount(for: kind), at: now), wait > 0 else { return true }
            return !kind.countsTokens || (meter.blockedUntil ?? 0) > now
        }
    }

    /// The firm meter that can never hold `cost`, if one cannot.
    public func refusing(_ cost: JobCost) -> Meter? {
        meters.values.sorted { $0.kind < $1.kind }.first { meter in
            meter.isFirm && (meter.limit.map { cost.amount(for: meter.kind) > $0 } ?? false)
        }
    }

    public mutating func spend(_ cost: JobCost, at now: Double) {
        for kind in meters.keys { meters[kind]!.spend(cost.amount(for: kind), at: now) }
        inFlight += 1
    }

    /// Raises the guesses that keep `cost` waiting, when only guesses do (a firm limit or a 429's block
    /// is the provider's word, and raising a guess beside it would buy nothing). Returns whether any
    /// guess was raised, so admission can look again.
    public mutating func raiseBindingGuesses(for cost: JobCost, at now: Double) -> Bool {
        guard !awaitsFirstAnswer else { return false }
        var binding: [LimitKind] = []
        for (kind, meter) in meters {
            guard let wait = meter.wait(for: cost.amount(for: kind), at: now), wait > 0 else { continue }
            if meter.isFirm || (meter.blockedUntil ?? 0) > now || !(meter.guess?.mayBeRaised ?? false) { return false }
            binding.append(kind)
        }
        var raised = false
        for kind in binding where meters[kind]!.raiseGuess(at: now) { raised = true }
        return raised
    }

    /// Applies what one answer said: the stated limits (headers, a 429 body), the account's tier they
    /// reveal for the limits the headers do not state, or, when a provider answers without any
    /// rate-limit header, that no limit is to be assumed.
    public mutating func apply(_ observation: ProviderObservation, at now: Double) {
        guard observation.fromResponse else { return }
        // The tier: the stated limits' ratio to the catalog's numbers they replace, before they do.
        var ratios: [Double] = []
        for (kind, reading) in [(LimitKind.tpm, observation.tokensPerMinute), (.rpd, observation.requestsPerDay)] {
            if let stated = reading.limit, let meter = meters[kind], meter.guess == .unchecked, let floor = meter.floor, floor > 0 {
                ratios.append(Double(stated) / Double(floor))
            }
        }
        let tpm = observation.tokensPerMinute
        let rpd = observation.requestsPerDay
        if !tpm.isEmpty { meters[.tpm]?.applyHeaders(limit: tpm.limit, remaining: tpm.remaining, resetIn: tpm.resetIn, at: now) }
        if !rpd.isEmpty { meters[.rpd]?.applyHeaders(limit: rpd.limit, remaining: rpd.remaining, resetIn: rpd.resetIn, at: now) }
        if let limit = observation.rateLimit {
            if limit.blocks {
                meters[limit.kind]?.applyRateLimit(limit: limit.limit, used: limit.used, retryAfter: limit.retryAfter, at: now)
            } else {
                meters[limit.kind]?.state(limit: limit.limit, source: .rateLimitError)
            }
        }
        if let factor = ratios.min() {
            for kind in meters.keys { meters[kind]!.follow(tierFactor: factor) }
        } else if observation.answered, tpm.isEmpty, rpd.isEmpty, observation.rateLimit == nil {
            for kind in meters.keys { meters[kind]!.dropUnstatedGuess() }
        }
        heardAt = now
    }
}
