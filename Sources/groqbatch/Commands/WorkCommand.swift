import ArgumentParser
import Foundation
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
            Claims jobs in priority order, runs up to --concurrency generations at once, retries with
            exponential backoff and jitter (waiting as long as the provider asks after a 429), falls back
            along each job's model chain, and writes every result with its usage in the same transaction
            that marks the job succeeded. Any number of workers may share one database.

            Stopping safely: SIGTERM or Ctrl-C stops claiming, waits up to --grace seconds for calls in
            flight, then returns unfinished jobs to the queue and exits 0. A second signal exits at once;
            jobs it held go back to the queue too (or, after a crash, when their lease expires).
            Delivery is at least once: a call in flight when a worker dies is sent again later.

            Overnight: --window 22:00-06:00 (repeatable; an end before the start crosses midnight; local
            time, or --time-zone) makes a long-lived daemon that claims only inside its windows, lets calls
            in flight finish when a window closes, and sleeps until the next one opens. From cron, use
            --drain --until 06:00 instead. docs/overnight.md shows both, with systemd units.

            Progress: on a terminal one line is redrawn in place; otherwise a progress line is logged
            every --progress-interval seconds.

            Exit codes: 0 stopped as asked; 1 bad input or database error; 3 the provider refused the key
            or the endpoint (401, 403): no job is failed by that, all stay queued.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var provider: ProviderOptions

    @Option(help: "Generations in flight at once.")
    var concurrency = 16

    @Option(help: "Run only this batch's jobs.")
    var batch: String?

    @Flag(help: "Exit when nothing is left to run or wait for.")
    var drain = false

    @Option(help: ArgumentHelp("Stop claiming at this time, finish what is in flight, exit: \(TimeArgument.help).", valueName: "time"))
    var until: String?

    @Option(name: .customLong("for"), help: ArgumentHelp("Stop claiming after this long (90s, 30m, 8h), finish, exit.", valueName: "duration"))
    var duration: String?

    @Option(name: .customLong("window"), help: ArgumentHelp("Claim only inside this daily window, such as 22:00-06:00; repeatable.", valueName: "start-end"))
    var windows: [String] = []

    @Option(name: .customLong("time-zone"), help: ArgumentHelp("The zone --window and --until are read in, such as Europe/Berlin. Defaults to the local zone ($TZ).", valueName: "zone"))
    var timeZone: String?

    @Option(name: .customLong("progress-interval"), help: "Seconds between progress lines when standard error is not a terminal.")
    var progressInterval: Double = 30

    @Option(name: .customLong("max-jobs"), help: "Stop claiming after this many jobs, finish, exit.")
    var maxJobs: Int?

    @Option(help: "Seconds a shutdown waits for calls in flight before returning their jobs to the queue.")
    var grace: Double = 30

    @Option(help: "Seconds a claimed job stays this worker's without a renewal (renewed every third of it).")
    var lease: Double = 60

    @Option(name: .customLong("backoff-base"), help: "Seconds: the first retry waits up to this, doubling each time.")
    var backoffBase: Double = 1

    @Option(name: .customLong("backoff-cap"), help: "Seconds: the longest retry wait (a provider's own wait can be longer).")
    var backoffCap: Double = 300

    @Option(name: .customLong("max-tokens-per-day"), help: "Tokens all batches may use per UTC day; at the cap work pauses until the next day.")
    var maxTokensPerDay: Int?

    @Option(name: .customLong("max-cost-per-day"), help: ArgumentHelp("US dollars per UTC day at the catalog's prices; at the cap work pauses until the next day.", valueName: "usd"))
    var maxCostPerDay: Double?

    @Option(help: ArgumentHelp("A model catalog file replacing the built-in one (limits, context windows, prices).", valueName: "file"))
    var catalog: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "notice"

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1.") }
        if let maxJobs, maxJobs < 1 { throw ValidationError("--max-jobs must be at least 1.") }
        if let until, TimeArgument(until) == nil { throw ValidationError("--until: cannot read '\(until)'; expected \(TimeArgument.help).") }
        if let duration, Self.seconds(duration) == nil { throw ValidationError("--for: cannot read '\(duration)'; expected a duration like 90s, 30m or 8h.") }
        guard grace >= 0, lease >= 3, backoffBase > 0, backoffCap >= backoffBase else {
            throw ValidationError("--grace must be >= 0, --lease >= 3, and 0 < --backoff-base <= --backoff-cap.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'.") }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw ValidationError("--time-zone: unknown zone '\(timeZone)'; use an IANA name such as Europe/Berlin or UTC.")
        }
        for window in windows {
            do throws(RunWindow.ParseError) { _ = try RunWindow(parsing: window) } catch { throw ValidationError("--window: \(error)") }
        }
        guard progressInterval >= 1 else { throw ValidationError("--progress-interval must be at least 1 second.") }
    }

    var zone: TimeZone { timeZone.flatMap(TimeZone.init(identifier:)) ?? .current }

    /// The run windows, or nil to claim at any time.
    var schedule: RunSchedule? {
        let parsed = windows.compactMap { try? RunWindow(parsing: $0) }
        return parsed.isEmpty ? nil : RunSchedule(windows: parsed, timeZone: zone)
    }

    /// `90s`, `30m`, `8h`, `1h30m`, or plain seconds.
    static func seconds(_ text: String) -> Double? {
        if let value = Double(text), value >= 0 { return value }
        return GoDuration.seconds(text)
    }

    var stopClaimingAt: Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let times = [until.flatMap { TimeArgument($0, calendar: calendar)?.date }, duration.flatMap(Self.seconds).map { Date().addingTimeInterval($0) }]
        return times.compactMap { $0 }.min()
    }

    func run() async throws {
        try await failingClearly {
            let client = try provider.makeClient()
            let store = try database.open()
            let models = try CatalogOption.load(catalog)
            var logger = Logger(label: "groqbatch.work")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            let configuration = WorkerConfiguration(
                concurrency: concurrency, batch: batch, drain: drain, stopClaimingAt: stopClaimingAt, schedule: schedule,
                maxJobs: maxJobs,
                leaseDuration: lease, heartbeatInterval: lease / 3, grace: grace,
                backoff: .exponentialJitter(base: backoffBase, cap: backoffCap),
                budget: BudgetContext(
                    provider: provider.effectiveBaseURL, catalog: models, dailyTokenCap: maxTokensPerDay, dailyCostCap: maxCostPerDay))
            let baseURL = provider.effectiveBaseURL
            let display = ProgressDisplay(terminal: Console.stderrIsTerminal, logger: logger) { models in
                // The tokens-per-minute limits of the models in use, for "tokens/min of limit".
                let meters = (try? store.meterStatuses()) ?? []
                let limits = meters.filter { $0.provider == baseURL && $0.kind == "tpm" && models.contains($0.model) }.compactMap(\.limit)
                return limits.isEmpty ? nil : limits.reduce(0, +)
            }
            if let schedule { logger.notice("run windows: \(schedule)") }
            let worker = QueueWorker(
                store: store, executor: client, configuration: configuration, logger: logger,
                progressInterval: Console.stderrIsTerminal ? 1 : progressInterval,
                onProgress: { progress, counts in display.show(progress, counts) })
            // The worker returning (drained, time up, fatal) ends the run normally, not as a failure.
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            let impatience = SecondSignalExit { [workerID = configuration.workerID] in
                _ = try? store.releaseAll(workerID: workerID)
            }
            var failure: (any Error)?
            do { try await group.run() } catch { failure = error }
            impatience.cancel()
            display.finish()
            try? await client.shutdown()
            if let failure { throw CommandFailure("the worker stopped on an error: \(failure)") }
            let progress = worker.progress
            let summary = "worker \(configuration.workerID): \(progress.succeeded) succeeded, \(progress.failed) failed, \(progress.retried) retries, \(progress.fellBack) fallbacks"
            switch worker.stopReason {
            case .fatal(let message)?:
                Console.error(summary)
                throw CommandFailure("the provider refused this worker: \(message)", exitCode: 3)
            case let reason:
                Console.error(summary + " (stopped: \(Self.describe(reason)))")
            }
        }
    }

    static func describe(_ reason: StopReason?) -> String {
        switch reason {
        case .shutdown?: "signal"
        case .timeUp?: "time is up"
        case .maxJobs?: "--max-jobs reached"
        case .drained?: "nothing left to do"
        case .fatal(let message)?: message
        case nil: "cancelled"
        }
    }
}
