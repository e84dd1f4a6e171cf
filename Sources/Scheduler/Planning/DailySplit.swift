/// How the daily limits spread work over days: what today's budget leaves room for, then a whole limit
/// each further day, and what is left for the last day, which the per-minute limits then pace.
///
/// Every daily limit bounds every day, so a day runs the share of the work that the tightest of them
/// allows, and the last day runs the share left after the full days: the same share of the requests and
/// of the tokens, whichever limit sets the number of days. (Counting each limit's remainder on its own
/// left a limit that needs fewer days with more than the last day runs: all of it when it did not bind.)
/// Jobs are taken as alike, as `ModelDemand.share` does.
struct DailySplit: Equatable {
    /// Whole days after today.
    var extraDays = 0
    /// The daily limit that sets them; nil when the work fits today.
    var binding: LimitKind?
    /// Requests and tokens run on the last day: all of them when the work fits today.
    var lastRequests: Int
    var lastTokens: Int

    /// One daily limit against the work it counts.
    private struct Bound {
        var kind: LimitKind
        var amount: Int
        var left: Int
        var value: Int
        /// The share of the work today's budget, and a full day's, allow.
        var today: Double { Double(left) / Double(amount) }
        var fullDay: Double { Double(value) / Double(amount) }
    }

    init(requests: Int, tokens: Int, limits: [LimitKind: ModelOutlook.Limit]) {
        lastRequests = requests
        lastTokens = tokens
        let bounds = [(LimitKind.rpd, requests), (.tpd, tokens)].compactMap { kind, amount -> Bound? in
            guard let limit = limits[kind], limit.value > 0, amount > 0 else { return nil }
            return Bound(kind: kind, amount: amount, left: max(0, limit.value - limit.used), value: limit.value)
        }
        guard let todays = bounds.min(by: { $0.today < $1.today }), todays.left < todays.amount else { return }
        // The full days' bound; on a tie the one that bound today, so the arithmetic stays in whole units.
        let full = bounds.min { ($0.fullDay, $0.kind == todays.kind ? 0 : 1) < ($1.fullDay, $1.kind == todays.kind ? 0 : 1) }!
        binding = full.kind
        let lastShare: Double
        if full.kind == todays.kind {
            extraDays = (full.amount - todays.left + full.value - 1) / full.value
            lastShare = Double(full.amount - full.left - (extraDays - 1) * full.value) / Double(full.amount)
        } else {
            // Today's budget ends on one limit and the full days' on the other: count in the latter's units.
            let after = Double(full.amount) * (1 - todays.today)
            extraDays = max(1, Int((after / Double(full.value)).rounded(.up)))
            lastShare = (after - Double((extraDays - 1) * full.value)) / Double(full.amount)
        }
        lastRequests = Int((Double(requests) * lastShare).rounded())
        lastTokens = Int((Double(tokens) * lastShare).rounded())
    }
}
