import Foundation
import QueueStore
import Scheduler

/// How a worker drives the provider's Batch API for `--via batch-api` batches.
public struct RemoteSettings: Sendable {
    /// The provider (API base URL) whose remote batches this worker drives.
    public var provider: String
    /// Lines per input file. The default is 50,000, Groq's limit.
    public var maxLines: Int
    /// Bytes per input file. The default is 200 MB, Groq's limit.
    public var maxBytes: Int
    /// Seconds between the first polls of a remote batch; later ones wait half again as long each time.
    /// The default is 5.
    public var pollInterval: Double
    /// The longest wait between polls. The default is 300 seconds.
    public var maxPollInterval: Double
    /// How long a worker's hold on a remote batch lasts without renewal. The default is 120 seconds.
    public var leaseDuration: Double
    /// Answers written per transaction while reading an output file back. The default is 1,000.
    public var writeSlice: Int
    /// The catalog `--via auto` plans on-demand capacity with. The default is the built-in one.
    public var catalog: ModelCatalog = .groq
    /// The worker's concurrency, which bounds on-demand pace once latency is known. The default is 16.
    public var concurrency = WorkerConfiguration.Defaults.concurrency
    /// The catalog's prices and the day's caps that remote batches reserve against, as claims do. The
    /// default is none: no prices, no daily caps (a batch's own caps still hold).
    public var budget: BudgetContext?
    /// The wait before a job whose remote batch the provider refused goes again: the worker's backoff,
    /// by the job's tries (a poll interval at least). The default is `.exponentialJitter()`.
    public var backoff: BackoffPolicy = .exponentialJitter()

    /// Each default in one place: the initializer, `work`'s flags and their `--help` read them here.
    public enum Defaults {
        /// Groq's limit of lines per input file.
        public static let maxLines = 50_000
        /// Groq's limit of bytes per input file.
        public static let maxBytes = 200 << 20
        public static let pollInterval: Double = 5
        public static let maxPollInterval: Double = 300
        public static let leaseDuration: Double = 120
        public static let writeSlice = 1_000
    }

    public init(
        provider: String, maxLines: Int = Defaults.maxLines, maxBytes: Int = Defaults.maxBytes, pollInterval: Double = Defaults.pollInterval,
        maxPollInterval: Double = Defaults.maxPollInterval, leaseDuration: Double = Defaults.leaseDuration, writeSlice: Int = Defaults.writeSlice
    ) {
        self.provider = provider
        self.maxLines = maxLines
        self.maxBytes = maxBytes
        self.pollInterval = pollInterval
        self.maxPollInterval = maxPollInterval
        self.leaseDuration = leaseDuration
        self.writeSlice = writeSlice
    }
}
