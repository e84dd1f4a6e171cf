import Foundation
import QueueStore
import Scheduler

/// How a worker runs: its concurrency, leases, backoff, and when it stops.
public struct WorkerConfiguration: Sendable {
    /// This worker's id in `jobs.lease_owner` and `workers`. The default is host-pid-random.
    public var workerID: String
    /// Generations in flight at once. The default is 16.
    public var concurrency: Int
    /// Only jobs of this batch. The default is every batch.
    public var batch: String?
    /// Exit when nothing is left to run or wait for. The default is false (run until stopped).
    public var drain: Bool
    /// Stop claiming at this time, finish what is in flight, exit. The default is never.
    public var stopClaimingAt: Date?
    /// Claim only inside these daily windows; outside them finish what is in flight and sleep until the
    /// next one opens. The default is always.
    public var schedule: RunSchedule?
    /// Stop claiming after this many jobs. The default is no limit.
    public var maxJobs: Int?
    /// How long a claimed job stays this worker's without a renewal. The default is 60 seconds.
    public var leaseDuration: TimeInterval
    /// How often leases are renewed and expired ones recovered. The default is 20 seconds.
    public var heartbeatInterval: TimeInterval
    /// How long a graceful shutdown waits for in-flight calls before returning them to the queue.
    /// The default is 30 seconds.
    public var grace: TimeInterval
    /// How often an idle worker looks for new work. The default is 1 second.
    public var idlePollInterval: TimeInterval
    /// Retry waits.
    public var backoff: BackoffPolicy
    /// The GroqQueue: claims admit only jobs that fit the provider's limits. The default is none.
    public var budget: BudgetContext?
    /// Drives `--via batch-api` batches through the provider's Batch API. The default is off.
    public var remote: RemoteSettings?
    /// Per-call events to log. The default is none.
    public var logEvents: LogEvents = []
    /// How long the provider may stay unreachable (refused, DNS, TLS) before the worker stops with an
    /// error; until then it pauses and probes. The default is six hours: a night's network drop passes.
    public var giveUpAfter: TimeInterval = Defaults.giveUpAfter

    /// Each default in one place: the initializer, `work`'s settings and its `--help` read them here.
    public enum Defaults {
        public static let concurrency = 16
        public static let leaseDuration: TimeInterval = 60
        public static let grace: TimeInterval = 30
        public static let backoffBase: TimeInterval = 1
        public static let backoffCap: TimeInterval = 300
        public static let giveUpAfter: TimeInterval = 6 * 3600
    }

    public init(
        workerID: String = WorkerConfiguration.defaultWorkerID(), concurrency: Int = Defaults.concurrency, batch: String? = nil,
        drain: Bool = false, stopClaimingAt: Date? = nil, schedule: RunSchedule? = nil, maxJobs: Int? = nil,
        leaseDuration: TimeInterval = Defaults.leaseDuration, heartbeatInterval: TimeInterval = Defaults.leaseDuration / 3,
        grace: TimeInterval = Defaults.grace, idlePollInterval: TimeInterval = 1,
        backoff: BackoffPolicy = .exponentialJitter(base: Defaults.backoffBase, cap: Defaults.backoffCap), budget: BudgetContext? = nil
    ) {
        self.workerID = workerID
        self.concurrency = concurrency
        self.batch = batch
        self.drain = drain
        self.stopClaimingAt = stopClaimingAt
        self.schedule = schedule
        self.maxJobs = maxJobs
        self.leaseDuration = leaseDuration
        self.heartbeatInterval = heartbeatInterval
        self.grace = grace
        self.idlePollInterval = idlePollInterval
        self.backoff = backoff
        self.budget = budget
    }

    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}
