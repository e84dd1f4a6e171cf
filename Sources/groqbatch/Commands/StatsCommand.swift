import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch stats`: what the calls did, per model, day or batch, from the attempts and results tables.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per model, day or batch: requests, outcomes, 429s by limit, latency percentiles, tokens, cost, throughput.",
        discussion: """
            Every call a worker made is in the attempts table; this sums them. Outcomes are the retry table's \
            classes: success, retry (a 5xx, a timeout or a 429), fallback (moved to the next model), \
            permanent (the job failed), fatal (a refused key). Latency is measured by the worker, per \
            successful call, as nearest-rank percentiles; Groq's own queue and total times are averaged. \
            Cost is estimated from the catalog's prices when each answer was recorded, cached prompt tokens \
            (CACHED, with the share of the prompt tokens they were) at half the input price. Answers reused from \
            identical requests made no call: a last line counts them and the requests, tokens and cost saved. \
            For sqlite3 users the view `stats` holds the same numbers for all time \
            (SELECT * FROM stats WHERE dimension = 'model'), over the view `call_stats`.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Group by model, day (UTC) or batch.")
    var by: StatsDimension = .model

    @Option(help: "Only this batch's calls.")
    var batch: String?

    @Option(help: ArgumentHelp("Only calls since \(AgeArgument.help).", valueName: "age|time"))
    var since: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        if let since, AgeArgument(since) == nil {
            throw ValidationError("--since: cannot read '\(since)'; expected \(AgeArgument.help).")
        }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            let groups: [CallStatistics]
            do {
                groups = try await store.statistics(by: by, batch: batch, since: since.flatMap { AgeArgument($0)?.date })
            } catch let error as NotFoundError {
                throw CommandFailure(error.description)
            }
            if json {
                print(try Console.json(groups))
                return
            }
            let saved = try await store.reuseSavings(batch: batch, since: since.flatMap { AgeArgument($0)?.date })
            defer {
                if saved.answers > 0 {
                    print(
                        "reused: \(saved.answers) answers of identical requests, without a call: saved \(saved.answers) requests, \(saved.tokens) tokens, "
                            + String(format: "$%.4f", saved.cost))
                }
            }
            guard !groups.isEmpty else {
                print("no calls recorded\(batch.map { " for batch '\($0)'" } ?? "")\(since.map { " since \($0)" } ?? "")")
                return
            }
            let seconds = { (value: Double?) in value.map { String(format: "%.3f", $0) } ?? "-" }
            print(
                TextTable(
                    header: [
                        by.rawValue.uppercased(), "REQUESTS", "OK", "RETRIES", "FALLBACKS", "FAILED", "429 RPM/RPD/TPM/TPD",
                        "P50 S", "P95 S", "P99 S", "GROQ QUEUE S", "GROQ TOTAL S", "TOKENS IN", "CACHED", "TOKENS OUT", "COST", "OK/MIN",
                    ],
                    rows: groups.map { group in
                        [
                            group.name, "\(group.requests)", "\(group.successes)", "\(group.retries)", "\(group.fallbacks)",
                            "\(group.permanentFailures + group.fatal)",
                            "\(group.rateLimited) (\(group.rateLimitedRPM)/\(group.rateLimitedRPD)/\(group.rateLimitedTPM)/\(group.rateLimitedTPD))",
                            seconds(group.latencyP50), seconds(group.latencyP95), seconds(group.latencyP99),
                            seconds(group.groqQueueTimeAvg), seconds(group.groqTotalTimeAvg), "\(group.promptTokens)",
                            group.cacheHitRate.map { "\(group.cachedTokens) (\(Int(($0 * 100).rounded()))%)" } ?? "-", "\(group.completionTokens)",
                            group.costUSD.map { String(format: "$%.4f", $0) } ?? "-",
                            group.successesPerMinute.map { String(format: "%.1f", $0) } ?? "-",
                        ]
                    }
                ).rendered)
        }
    }
}

extension StatsDimension: ExpressibleByArgument {}
