import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle
import Synchronization

/// The worker daemon: claims jobs, runs up to `concurrency` generations at once in a task group, and
/// writes each outcome back, until it is told to stop, runs out of work (`drain`) or hits a limit.
///
/// It runs as a `ServiceLifecycle` service: a graceful shutdown stops claiming, waits up to `grace`
/// for in-flight calls, then cancels them; whatever it still holds goes back to the queue on exit.
public final class QueueWorker: Service {
    public let configuration: WorkerConfiguration
    let store: any JobStore
    /// The remote-batch records and the provider's Batch API: the second loop runs only with both.
    let remote: (store: any RemoteBatchStore, api: any BatchAPI)?
    let executor: any ChatExecutor
    let logger: Logger
    let planner: OutcomePlanner
    let recorder: OutcomeRecorder
    let control = WorkerControl()
    let counters = ProgressCounters()
    /// The claims this worker is working on, from the claim until the outcome is written: the only
    /// leases its heartbeat renews (a claim lost with its answer may have leased it others).
    let held = Mutex(HeldClaims())
    /// Whether calls reach the provider; shared by the claim loop and the calls.
    let breaker: Mutex<ProviderBreaker>
    let metrics = WorkerMetrics()
    /// Called with a snapshot every `progressInterval` seconds, and once at the end.
    let onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) async -> Void)?
    let progressInterval: TimeInterval

    /// A worker on any store; `--via batch-api` batches need `remote` (a store of remote batches and a
    /// Batch API) to run.
    public init(
        store: any JobStore, executor: any ChatExecutor, configuration: WorkerConfiguration, logger: Logger,
        progressInterval: TimeInterval = 2, onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) async -> Void)? = nil,
        remote: (store: any RemoteBatchStore, api: any BatchAPI)? = nil
    ) {
        self.store = store
        self.remote = remote
        self.executor = executor
        self.configuration = configuration
        self.logger = logger
        self.planner = OutcomePlanner(backoff: configuration.backoff)
        self.recorder = OutcomeRecorder(store: store, workerID: configuration.workerID, logger: logger)
        self.breaker = Mutex(ProviderBreaker(giveUpAfter: configuration.giveUpAfter))
        self.onProgress = onProgress
        self.progressInterval = progressInterval
    }

    /// A worker on one store that keeps both the queue and the remote batches; with `batchAPI`, the
    /// Batch API loop runs too.
    public convenience init(
        store: some JobStore & RemoteBatchStore, executor: any ChatExecutor, batchAPI: (any BatchAPI)? = nil,
        configuration: WorkerConfiguration, logger: Logger,
        progressInterval: TimeInterval = 2, onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) async -> Void)? = nil
    ) {
        self.init(
            store: store as any JobStore, executor: executor, configuration: configuration, logger: logger,
            progressInterval: progressInterval, onProgress: onProgress, remote: batchAPI.map { (store, $0) })
    }

    /// Why the worker stopped; nil while it runs.
    public var stopReason: StopReason? { control.reason }

    /// What it has done.
    public var progress: WorkerProgress { counters.snapshot }

    public func run() async throws {
        let id = configuration.workerID
        try await store.registerWorker(id: id, host: ProcessInfo.processInfo.hostName, pid: getpid(), now: nil)
        let recovered = try await store.recoverExpiredLeases(now: nil, sparing: nil)
        if recovered > 0 { logger.notice("returned \(recovered.counted("job")) with expired leases to the queue") }
        logger.info("worker started", metadata: ["worker": "\(id)", "concurrency": "\(configuration.concurrency)"])
        defer {
            // Synchronous, so it runs even when this task is cancelled: nothing stays leased to a gone worker.
            do {
                let released = try store.releaseAll(workerID: id, now: nil)
                if released > 0 { logger.notice("returned \(released) unfinished jobs to the queue") }
            } catch {
                logger.error("could not return unfinished jobs to the queue (their leases expire in \(Int(configuration.leaseDuration)) s): \(error)")
            }
        }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { services in
                services.addTask { await self.heartbeat() }
                if onProgress != nil { services.addTask { await self.reportProgress() } }
                if let settings = configuration.remote, let remote {
                    let runner = RemoteBatchRunner(
                        store: remote.store, client: remote.api, settings: settings, workerID: id, logger: logger, counters: counters,
                        control: control)
                    services.addTask { await runner.loop() }
                }
                defer { services.cancelAll() }
                try await self.claimLoop()
            }
        } onGracefulShutdown: {
            self.control.stop(.shutdown)
        }
        await reportCounts()
    }
}
