/// The four meters of one model, admitted against together.
public struct ModelBudget: Sendable, Equatable {
    public var model: String
    public var meters: [LimitKind: Meter]

    public init(model: String, meters: [LimitKind: Meter]) {
        self.model = model
        self.meters = meters
    }

    /// Seconds until `cost` fits every meter; nil when some meter can never hold it.
    public func wait(for cost: JobCost, at now: Double) -> Double? {
        var longest = 0.0
        for meter in meters.values {
            guard let wait = meter.wait(for: cost.amount(for: meter.kind), at: now) else { return nil }
            longest = max(longest, wait)
        }
        return longest
    }

    /// The meter that can never hold `cost`, if one cannot.
    public func refusing(_ cost: JobCost) -> Meter? {
        meters.values.sorted { $0.kind < $1.kind }.first { meter in
            meter.limit.map { cost.amount(for: meter.kind) > $0 } ?? false
        }
    }

    public mutating func spend(_ cost: JobCost, at now: Double) {
        for kind in meters.keys { meters[kind]!.spend(cost.amount(for: kind), at: now) }
    }
}
