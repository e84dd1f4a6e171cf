import Foundation
import GRDB

extension SQLQueueStore {
    public typealias StatsDimension = QueueStore.StatsDimension

    /// The calls of the `call_stats` view (one batch, or all; since a time, or ever), summed per model,
    /// UTC day or batch. Latencies are read sorted per group for exact nearest-rank percentiles.
    public func reuseSavings(batch: String?, since: Date?) async throws -> ReuseSavings {
        try await engine.read { db in
            var arguments: SQLArguments = []
            if let batch { arguments += [batch] }
            if let since { arguments += [since.unixSeconds] }
            let row = try db.row(SharingSQL.saved(batchFilter: batch != nil, since: since != nil), arguments)
            return ReuseSavings(answers: row?[0] ?? 0, tokens: row?[1] ?? 0, cost: row?[2] ?? 0)
        }
    }

    public func statistics(by dimension: StatsDimension, batch: String? = nil, since: Date? = nil) async throws -> [CallStatistics] {
        try await engine.read { db in
            if let batch, try db.value(Int64.self, BatchesSQL.find, [batch]) == nil {
                throw NotFoundError(description: "no batch named '\(batch)'")
            }
            var rows = try db.rows(
                StatsSQL.calls(dimension: dimension.rawValue), [batch, batch, since?.unixSeconds, since?.unixSeconds]
            ).makeIterator()
            var groups: [String: CallStatistics] = [:]
            var latencies: [String: [Double]] = [:]
            var queueTimes: [String: [Double]] = [:]
            var totalTimes: [String: [Double]] = [:]
            var costs: [String: Double] = [:]
            while let row = rows.next() {
                let name: String = row["name"]
                var group = groups[name] ?? CallStatistics(name: name)
                group.requests += 1
                let outcome: String = row["outcome"]
                switch outcome {
                case "success": group.successes += 1
                case "retry": group.retries += 1
                case "fallback": group.fallbacks += 1
                case "permanent": group.permanentFailures += 1
                case "fatal": group.fatal += 1
                default: group.abandoned += 1
                }
                if (row["http_status"] as Int?) == 429 { group.rateLimited += 1 }
                switch row["limit_kind"] as String? {
                case "rpm"?: group.rateLimitedRPM += 1
                case "rpd"?: group.rateLimitedRPD += 1
                case "tpm"?: group.rateLimitedTPM += 1
                case "tpd"?: group.rateLimitedTPD += 1
                default: break
                }
                if outcome == "success" {
                    latencies[name, default: []].append(row["latency"])
                    if let queue: Double = row["queue_time"] { queueTimes[name, default: []].append(queue) }
                    if let total: Double = row["total_time"] { totalTimes[name, default: []].append(total) }
                }
                group.promptTokens += row["prompt_tokens"] as Int? ?? 0
                group.completionTokens += row["completion_tokens"] as Int? ?? 0
                group.cachedTokens += row["cached_tokens"] as Int? ?? 0
                if let cost: Double = row["cost"] { costs[name, default: 0] += cost }
                let started: Double = row["started_at"]
                group.firstCall = min(group.firstCall ?? started, started)
                group.lastCall = max(group.lastCall ?? started, started)
                groups[name] = group
            }
            return groups.values.map { group in
                var group = group
                let sorted = (latencies[group.name] ?? []).sorted()
                group.latencyP50 = CallStatistics.percentile(sorted, 0.50)
                group.latencyP95 = CallStatistics.percentile(sorted, 0.95)
                group.latencyP99 = CallStatistics.percentile(sorted, 0.99)
                group.groqQueueTimeAvg = QueueSteps.average(queueTimes[group.name])
                group.groqTotalTimeAvg = QueueSteps.average(totalTimes[group.name])
                group.costUSD = costs[group.name].map { ($0 * 1_000_000).rounded() / 1_000_000 }
                return group
            }.sorted { $0.name < $1.name }
        }
    }

}

extension QueueSteps {
    static func average(_ values: [Double]?) -> Double? {
        guard let values, !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }
}
