import ArgumentParser
import Configuration
import Foundation
import JobFormats
import GroqClient
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle
import Worker

/// `groqbatch work`: the worker daemon.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Run queued jobs against the provider until stopped, drained or out of time.",
        discussion: """
            Claims jobs in priority order, runs up to --concurrency generations at once, retries with \
            exponential backoff and jitter (waiting as long as the provider asks after a 429), falls back \
            along each job's model chain, and writes every result with its usage in the same transaction \
            that marks the job succeeded. Any number of workers may share one database.

            Stopping safely: SIGTERM or Ctrl-C stops claiming, waits up to --grace seconds for calls in \
            flight, then returns unfinished jobs to the queue and exits 0. A second signal exits at once; \
            jobs it held go back to the queue too (or, after a crash, when their lease expires). \
            Delivery is at least once: a call in flight when a worker dies is sent again later.

            Overnight: --window 22:00-06:00 (repeatable; an end before the start crosses midnight; local \
            time, or --time-zone) makes a long-lived daemon that claims only inside its windows, lets calls \
            in flight finish when a window closes, and sleeps until the next one opens. From cron, use \
            --drain --until 06:00 instead. docs/overnight.md shows both, with systemd units.

            Progress: on a terminal one line is redrawn in place; otherwise a progress line is logged \
            every --progress-interval seconds.

            Exit codes: 0 stopped as asked; 1 bad input or database error; 3 the provider refused the key \
            or the endpoint (401, 403): no job is failed by that, all stay queued; 4 the provider stayed unreachable for --give-up-after.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var provider: ProviderOptions

    @Option(help: "Generations in flight at once (default 16).")
    var concurrency: Int?

    @Option(help: "Run only this batch's jobs.")
    var batch: String?

    @Flag(help: "Exit when nothing is left to run or wait for.")
    var drain = false

    @Option(help: ArgumentHelp("Stop claiming at this time, finish what is in flight, exit: \(TimeArgument.help).", valueName: "time"))
    var until: String?

    @Option(name: .customLong("for"), help: ArgumentHelp("Stop claiming after this long (90s, 30m, 8h), finish, exit.", valueName: "duration"))
    var duration: String?

    @OptionGroup var window: RunWindowOptions

    @Option(name: .customLong("progress-interval"), help: "Seconds between progress lines when standard error is not a terminal (default 30).")
    var progressInterval: Double?

    @Option(
        name: .customLong("give-up-after"),
        help: ArgumentHelp("How long the provider may stay unreachable (refused, DNS, TLS) before the worker exits 4; until then it pauses and probes, and jobs keep their tries (default 6h).", valueName: "duration"))
    var giveUpAfter: String?

    @Option(name: .customLong("max-jobs"), help: "Stop claiming after this many jobs, finish, exit.")
    var maxJobs: Int?

    @Option(help: "Seconds a shutdown waits for calls in flight before returning their jobs to the queue (default 30).")
    var grace: Double?

    @Option(help: "Seconds a claimed job stays this worker's without a renewal, renewed every third of it (default 60).")
    var lease: Double?

    @Option(name: .customLong("backoff-base"), help: "Seconds: the first retry waits up to this, doubling each time (default 1).")
    var backoffBase: Double?

    @Option(name: .customLong("backoff-cap"), help: "Seconds: the longest retry wait; a provider's own wait can be longer (default 300).")
    var backoffCap: Double?

    @Option(name: .customLong("max-tokens-per-day"), help: "Tokens all batches may use per UTC day; at the cap work pauses until the next day.")
    var maxTokensPerDay: Int?

    @Option(name: .customLong("max-cost-per-day"), help: ArgumentHelp("US dollars per UTC day at the catalog's prices; at the cap work pauses until the next day.", valueName: "usd"))
    var maxCostPerDay: Double?

    @Option(help: ArgumentHelp("A model catalog file replacing the built-in one (limits, context windows, prices).", valueName: "file"))
    var catalog: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice (default), warning, error.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line, for journald, Loki or jq.")
    var logFormat: String?

    @Option(name: .customLong("batch-max-lines"), help: "With --via batch-api batches: lines per uploaded input file (the provider allows 50,000).")
    var batchMaxLines = 50_000

    @Option(name: .customLong("batch-poll-interval"), help: "Seconds between the first polls of a remote batch; later polls wait longer, up to 5 minutes.")
    var batchPollInterval: Double = 5

    @Option(name: .customLong("metrics-port"), help: ArgumentHelp("Serve Prometheus metrics on http://127.0.0.1:PORT/metrics (0 picks a free port, logged at start).", valueName: "port"))
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: "The address the metrics endpoint listens on.")
    var metricsHost = "127.0.0.1"

    @Flag(name: .customLong("log-requests"), help: "Log each body sent (cut to 300 characters), with job, custom_id, model and attempt.")
    var logRequests = false

    @Flag(name: .customLong("log-responses"), help: "Log each answer or error (cut to 300 characters).")
    var logResponses = false

    @Flag(name: .customLong("log-latency"), help: "Log each call's duration, with Groq's queue and total times.")
    var logLatency = false

    @Flag(name: .customLong("log-rate-limit"), help: "Log 429s (which limit, how long to wait) and the remaining budget each response reports.")
    var logRateLimit = false

    var logEvents: LogEvents {
        var events: LogEvents = []
        if logRequests { events.insert(.requests) }
        if logResponses { events.insert(.responses) }
        if logLatency { events.insert(.latency) }
        if logRateLimit { events.insert(.rateLimit) }
        return events
    }

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be between 0 and 65535.") }
        guard (1...50_000).contains(batchMaxLines) else { throw ValidationError("--batch-max-lines must be between 1 and 50000.") }
        guard batchPollInterval > 0 else { throw ValidationError("--batch-poll-interval must be more than 0.") }
        if let maxJobs, maxJobs < 1 { throw ValidationError("--max-jobs must be at least 1.") }
        if let until, TimeArgument(until) == nil { throw ValidationError("--until: cannot read '\(until)'; expected \(TimeArgument.help).") }
        if let duration, Self.seconds(duration) == nil { throw ValidationError("--for: cannot read '\(duration)'; expected a duration like 90s, 30m or 8h.") }
        if let giveUpAfter, (Self.seconds(giveUpAfter) ?? 0) <= 0 {
            throw ValidationError("--give-up-after: cannot read '\(giveUpAfter)'; expected a duration like 90s, 30m or 8h.")
        }
    }

    /// The options given, as settings for the layers; the rest come from the environment, the file or defaults.
    var flags: [SettingKey: ConfigContent] {
        var flags = provider.flags.merging(window.flags) { $1 }
        if let concurrency { flags[.workConcurrency] = .int(concurrency) }
        if let progressInterval { flags[.workProgressInterval] = .double(progressInterval) }
        if let grace { flags[.workGrace] = .double(grace) }
        if let lease { flags[.workLease] = .double(lease) }
        if let backoffBase { flags[.workBackoffBase] = .double(backoffBase) }
        if let backoffCap { flags[.workBackoffCap] = .double(backoffCap) }
        if let maxTokensPerDay { flags[.workMaxTokensPerDay] = .int(maxTokensPerDay) }
        if let maxCostPerDay { flags[.workMaxCostPerDay] = .double(maxCostPerDay) }
        if let catalog { flags[.catalog] = .string(catalog) }
        if let logLevel { flags[.logLevel] = .string(logLevel) }
        if let logFormat { flags[.logFormat] = .string(logFormat) }
        return flags
    }

    /// `90s`, `30m`, `8h`, `1h30m`, or plain seconds.
    static func seconds(_ text: String) -> Double? {
        if let value = Double(text), value >= 0 { return value }
        return GoDuration.seconds(text)
    }

    func stopClaimingAt(zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let times = [until.flatMap { TimeArgument($0, calendar: calendar)?.date }, duration.flatMap(Self.seconds).map { Date().addingTimeInterval($0) }]
        return times.compactMap { $0 }.min()
    }

    func run() async throws {
        try await failingClearly {
            let settings = try await database.settings(flags)
            let work = try WorkSettings(settings)
            let client = try ProviderOptions.makeClient(settings)
            let store = try database.open(settings)
            let baseURL = ProviderOptions.baseURL(settings)
            // The provider's own list (models --refresh) corrects the catalog: retired models, windows.
            let models = try CatalogOption.load(settings).merging(await store.providerModels(provider: baseURL))
            // On a terminal the progress line and the log share standard error: log lines go above it.
            let statusLine = TerminalStatusLine()
            let terminal = Console.stderrIsTerminal
            var logger = switch (work.jsonLogs, terminal) {
            case (true, true): Logger(label: "groqbatch.work") { JSONLogHandler(label: $0, write: statusLine.printAbove) }
            case (true, false): Logger(label: "groqbatch.work") { JSONLogHandler(label: $0) }
            case (false, true): Logger(label: "groqbatch.work") { StreamLogHandler(label: $0, stream: statusLine.logStream) }
            case (false, false): Logger(label: "groqbatch.work")
            }
            logger.logLevel = work.logLevel
            let schedule = work.schedule
            var configuration = WorkerConfiguration(
                concurrency: work.concurrency, batch: batch, drain: drain, stopClaimingAt: stopClaimingAt(zone: work.timeZone),
                schedule: schedule, maxJobs: maxJobs, leaseDuration: work.lease, heartbeatInterval: work.lease / 3,
                grace: work.grace, backoff: .exponentialJitter(base: work.backoffBase, cap: work.backoffCap),
                budget: BudgetContext(
                    provider: baseURL, catalog: models, dailyTokenCap: work.maxTokensPerDay, dailyCostCap: work.maxCostPerDay))
            configuration.logEvents = logEvents
            if let seconds = giveUpAfter.flatMap(Self.seconds) { configuration.giveUpAfter = seconds }
            configuration.remote = RemoteSettings(
                provider: baseURL, maxLines: batchMaxLines, pollInterval: batchPollInterval,
                maxPollInterval: max(batchPollInterval, 300), leaseDuration: work.lease * 2)
            configuration.remote?.catalog = models
            configuration.remote?.budget = configuration.budget
            configuration.remote?.concurrency = work.concurrency
            let display = ProgressDisplay(terminal: terminal, logger: logger, statusLine: statusLine) { models in
                // The tokens-per-minute limits of the models in use, for "tokens/min of limit".
                let meters = (try? await store.meterStatuses(now: Date())) ?? []
                let limits = meters.filter { $0.provider == baseURL && $0.kind == .tpm && models.contains($0.model) }.compactMap(\.limit)
                return limits.isEmpty ? nil : limits.reduce(0, +)
            }
            if let schedule { logger.notice("run windows: \(schedule)") }
            let worker = QueueWorker(
                store: store, executor: client, batchAPI: client, configuration: configuration, logger: logger,
                progressInterval: Console.stderrIsTerminal ? 1 : work.progressInterval,
                onProgress: { progress, counts in await display.show(progress, counts) })
            // The worker returning (drained, time up, fatal) ends the run normally, not as a failure.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup),
            ]
            if let metricsPort {
                let registry = MetricsEndpoint.bootstrap()
                let host = metricsHost
                let endpoint = MetricsEndpoint.application(
                    registry: registry, port: metricsPort, host: host, store: store, provider: baseURL, logger: logger
                ) { [logger] port in logger.notice("metrics on http://\(host):\(port)/metrics") }
                services.append(.init(service: endpoint))
            }
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            let impatience = SecondSignalExit { [workerID = configuration.workerID] in
                _ = try? store.releaseAll(workerID: workerID, now: Date())
            }
            var failure: (any Error)?
            do { try await group.run() } catch { failure = error }
            impatience.cancel()
            display.finish()
            try? await client.shutdown()
            if let failure { throw CommandFailure("the worker stopped on an error: \(failure)") }
            let progress = worker.progress
            let summary = "worker \(configuration.workerID): \(progress.succeeded) succeeded, \(progress.failed) failed, \(progress.retried.counted("retry", plural: "retries")), \(progress.fellBack.counted("fallback"))"
            // With JSON logs every line on standard error is JSON, the summary included.
            let report = { (line: String) in
                if work.jsonLogs {
                    logger.notice("worker stopped", metadata: [
                        "worker": "\(configuration.workerID)", "succeeded": "\(progress.succeeded)", "failed": "\(progress.failed)",
                        "retries": "\(progress.retried)", "fallbacks": "\(progress.fellBack)", "stopped": "\(Self.describe(worker.stopReason))",
                    ])
                } else {
                    Console.error(line)
                }
            }
            switch worker.stopReason {
            case .fatal(let message)?:
                report(summary)
                throw CommandFailure("the provider refused this worker: \(message)", exitCode: 3)
            case .providerUnreachable(let message)?:
                report(summary)
                throw CommandFailure(message, exitCode: 4)
            case let reason:
                report(summary + " (stopped: \(Self.describe(reason)))")
            }
        }
    }

    static func describe(_ reason: StopReason?) -> String {
        switch reason {
        case .shutdown?: "signal"
        case .timeUp?: "time is up"
        case .maxJobs?: "--max-jobs reached"
        case .drained?: "nothing left to do"
        case .fatal(let message)?, .providerUnreachable(let message)?: message
        case nil: "cancelled"
        }
    }
}
