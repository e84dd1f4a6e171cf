import Foundation
import Hummingbird
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle
import Worker

/// `work`'s wiring in one place: from the layered settings and the command's own flags to the worker's
/// configuration, its logger and the services that run beside it. `WorkCommand.run` only runs what
/// this builds, and the tests check the wiring here without starting a worker.
struct WorkAssembly {
    let settings: WorkSettings
    /// The base URL every meter and record is keyed by.
    let provider: String
    let configuration: WorkerConfiguration

    /// The flags of `work` that are not layered settings (they make sense for one run only).
    struct RunFlags {
        var batch: String?
        var drain = false
        var stopClaimingAt: Date?
        var maxJobs: Int?
        var giveUpAfter: TimeInterval?
        var logEvents: LogEvents = []
        var batchMaxLines = RemoteSettings.Defaults.maxLines
        var batchPollInterval = RemoteSettings.Defaults.pollInterval
        var cacheAware = true
    }

    init(settings: WorkSettings, flags: RunFlags, provider: String, catalog: ModelCatalog) {
        self.settings = settings
        self.provider = provider
        var budget = BudgetContext(
            provider: provider, catalog: catalog, dailyTokenCap: settings.maxTokensPerDay, dailyCostCap: settings.maxCostPerDay)
        budget.cacheAware = flags.cacheAware
        var configuration = WorkerConfiguration(
            concurrency: settings.concurrency, batch: flags.batch, drain: flags.drain, stopClaimingAt: flags.stopClaimingAt,
            schedule: settings.schedule, maxJobs: flags.maxJobs, leaseDuration: settings.lease, heartbeatInterval: settings.lease / 3,
            grace: settings.grace, backoff: .exponentialJitter(base: settings.backoffBase, cap: settings.backoffCap), budget: budget)
        configuration.logEvents = flags.logEvents
        if let giveUpAfter = flags.giveUpAfter { configuration.giveUpAfter = giveUpAfter }
        // A remote batch is held across polls and long writes: its lease is twice a job's.
        var remote = RemoteSettings(
            provider: provider, maxLines: flags.batchMaxLines, pollInterval: flags.batchPollInterval,
            maxPollInterval: max(flags.batchPollInterval, RemoteSettings.Defaults.maxPollInterval), leaseDuration: settings.lease * 2)
        remote.catalog = catalog
        remote.budget = budget
        remote.backoff = configuration.backoff
        remote.concurrency = settings.concurrency
        configuration.remote = remote
        self.configuration = configuration
    }

    /// The worker's logger, in the chosen format; on a terminal its lines go above the progress line.
    func logger(statusLine: TerminalStatusLine, terminal: Bool) -> Logger {
        var logger =
            switch (settings.jsonLogs, terminal) {
            case (true, true): Logger(label: "groqbatch.work") { JSONLogHandler(label: $0, write: statusLine.printAbove) }
            case (true, false): Logger(label: "groqbatch.work") { JSONLogHandler(label: $0) }
            case (false, true): Logger(label: "groqbatch.work") { StreamLogHandler(label: $0, stream: statusLine.logStream) }
            case (false, false): Logger(label: "groqbatch.work")
            }
        logger.logLevel = settings.logLevel
        return logger
    }

    /// The summed tokens-per-minute limit of the given models, for the progress line's "of N TPM".
    func tokenLimit(store: any QueueDatabase) -> @Sendable (Set<String>) async -> Int? {
        { [provider] models in
            let meters = (try? await store.meterStatuses(now: Date())) ?? []
            let limits = meters.filter { $0.provider == provider && $0.kind == .tpm && models.contains($0.model) }.compactMap(\.limit)
            return limits.isEmpty ? nil : limits.reduce(0, +)
        }
    }

    /// The worker and, with a metrics port, the Prometheus endpoint. The worker returning (drained, time
    /// up, fatal) ends the run normally, not as a failure.
    func services(
        worker: QueueWorker, store: any QueueDatabase, metrics: (port: Int, host: String)?, logger: Logger
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let metrics {
            let registry = MetricsEndpoint.bootstrap()
            let endpoint = MetricsEndpoint.application(
                registry: registry, port: metrics.port, host: metrics.host, store: store, provider: provider, logger: logger
            ) { [logger] port in logger.notice("metrics on http://\(metrics.host):\(port)/metrics") }
            services.append(.init(service: endpoint))
        }
        return services
    }
}
