import ArgumentParser
import Configuration
import Foundation
import GroqClient
import JobFormats
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

    @Option(help: "Generations in flight at once\(SettingKey.workConcurrency.defaultNote).")
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

    @Option(
        name: .customLong("progress-interval"),
        help: "Seconds between progress lines when standard error is not a terminal\(SettingKey.workProgressInterval.defaultNote).")
    var progressInterval: Double?

    @Option(
        name: .customLong("give-up-after"),
        help: ArgumentHelp(
            "How long the provider may stay unreachable (refused, DNS, TLS) before the worker exits 4; until then it pauses and probes, and jobs keep their tries (default \(Int(WorkerConfiguration.Defaults.giveUpAfter / 3600))h).",
            valueName: "duration"))
    var giveUpAfter: String?

    @Option(name: .customLong("max-jobs"), help: "Stop claiming after this many jobs, finish, exit.")
    var maxJobs: Int?

    @Option(help: "Seconds a shutdown waits for calls in flight before returning their jobs to the queue\(SettingKey.workGrace.defaultNote).")
    var grace: Double?

    @Option(help: "Seconds a claimed job stays this worker's without a renewal, renewed every third of it\(SettingKey.workLease.defaultNote).")
    var lease: Double?

    @Option(name: .customLong("backoff-base"), help: "Seconds: the first retry waits up to this, doubling each time\(SettingKey.workBackoffBase.defaultNote).")
    var backoffBase: Double?

    @Option(
        name: .customLong("backoff-cap"), help: "Seconds: the longest retry wait; a provider's own wait can be longer\(SettingKey.workBackoffCap.defaultNote).")
    var backoffCap: Double?

    @Option(name: .customLong("max-tokens-per-day"), help: "Tokens all batches may use per UTC day; at the cap work pauses until the next day.")
    var maxTokensPerDay: Int?

    @Option(
        name: .customLong("max-cost-per-day"),
        help: ArgumentHelp("US dollars per UTC day at the catalog's prices; at the cap work pauses until the next day.", valueName: "usd"))
    var maxCostPerDay: Double?

    @Option(help: ArgumentHelp("A model catalog file replacing the built-in one (limits, context windows, prices).", valueName: "file"))
    var catalog: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice (default), warning, error.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line, for journald, Loki or jq.")
    var logFormat: String?

    @Option(
        name: .customLong("batch-max-lines"),
        help: "With --via batch-api batches: lines per uploaded input file (the provider allows \(RemoteSettings.Defaults.maxLines)).")
    var batchMaxLines = RemoteSettings.Defaults.maxLines

    @Option(
        name: .customLong("batch-poll-interval"),
        help: "Seconds between the first polls of a remote batch; later polls wait longer, up to \(Int(RemoteSettings.Defaults.maxPollInterval / 60)) minutes.")
    var batchPollInterval = RemoteSettings.Defaults.pollInterval

    @Option(
        name: .customLong("metrics-port"),
        help: ArgumentHelp("Serve Prometheus metrics on http://127.0.0.1:PORT/metrics (0 picks a free port, logged at start).", valueName: "port"))
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: "The address the metrics endpoint listens on.")
    var metricsHost = "127.0.0.1"

    @Flag(
        name: .customLong("no-cache-aware"),
        help: """
            Ignore the provider's prompt cache: send the jobs of a shared prompt prefix in queue order (not one first to warm it) \
            and count cached tokens against tokens per minute. For comparison, or a provider that counts them.
            """)
    var noCacheAware = false

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
        guard (1...RemoteSettings.Defaults.maxLines).contains(batchMaxLines) else {
            throw ValidationError("--batch-max-lines must be between 1 and \(RemoteSettings.Defaults.maxLines).")
        }
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

    /// The flags that hold for this run only, for the assembly.
    func runFlags(zone: TimeZone) -> WorkAssembly.RunFlags {
        WorkAssembly.RunFlags(
            batch: batch, drain: drain, stopClaimingAt: stopClaimingAt(zone: zone), maxJobs: maxJobs,
            giveUpAfter: giveUpAfter.flatMap(Self.seconds), logEvents: logEvents, batchMaxLines: batchMaxLines,
            batchPollInterval: batchPollInterval, cacheAware: !noCacheAware)
    }

    func run() async throws {
        try await failingClearly {
            let settings = try await database.settings(flags)
            let work = try WorkSettings(settings)
            // The client first, so a missing key is said before anything else; every way out shuts it
            // down (a client dropped without its shutdown traps).
            let client = try ProviderOptions.makeClient(settings)
            do {
                try await run(settings: settings, work: work, client: client)
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// The run once the client is made; the caller shuts the client down if this throws.
    private func run(settings: Settings, work: WorkSettings, client: GroqClient) async throws {
        do {
            let store = try await database.open(settings)
            let provider = ProviderOptions.providerKey(settings)
            // A queue from before provider keys were normalized keeps what it learned of this provider.
            let adopted = try await store.adoptProviderSpellings(provider)
            // The provider's own list (models --refresh) corrects the catalog: retired models, windows.
            let models = try CatalogOption.load(settings).merging(await store.providerModels(provider: provider))
            let assembly = WorkAssembly(settings: work, flags: runFlags(zone: work.timeZone), provider: provider, catalog: models)
            let configuration = assembly.configuration
            // On a terminal the progress line and the log share standard error: log lines go above it.
            let statusLine = TerminalStatusLine()
            let terminal = Console.stderrIsTerminal
            let logger = assembly.logger(statusLine: statusLine, terminal: terminal)
            let display = ProgressDisplay(terminal: terminal, logger: logger, statusLine: statusLine, tokenLimit: assembly.tokenLimit(store: store))
            // Said before the first call, on the log (a plain line would break --log-format json).
            logger.notice("\(ProviderOptions.keyDestination(settings))")
            for spelling in adopted {
                logger.notice("meters, limits and the model list recorded under \(spelling) now count for \(provider) (the same provider)")
            }
            if let schedule = configuration.schedule { logger.notice("run windows: \(schedule)") }
            let worker = QueueWorker(
                store: store, executor: client, batchAPI: client, configuration: configuration, logger: logger,
                progressInterval: terminal ? 1 : work.progressInterval,
                onProgress: { progress, counts in await display.show(progress, counts) })
            let services = assembly.services(
                worker: worker, store: store, metrics: metricsPort.map { ($0, metricsHost) }, logger: logger)
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            let impatience = SecondSignalExit { [workerID = configuration.workerID] in
                _ = try? store.releaseAll(workerID: workerID, now: nil)
            }
            var failure: (any Error)?
            do { try await group.run() } catch { failure = error }
            impatience.cancel()
            display.finish()
            try? await client.shutdown()
            if let failure { throw CommandFailure("the worker stopped on an error: \(failure)") }
            try WorkSummary(workerID: configuration.workerID, progress: worker.progress, stopReason: worker.stopReason)
                .report(jsonLogs: work.jsonLogs, logger: logger)
        }
    }
}
