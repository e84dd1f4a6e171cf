import Foundation
import JobFormats
import Scheduler

/// What the commands that look at the queue read: `status`, `stats`, `export`, `plan`, `limits`,
/// `remote`, `models`. Reads only.
public protocol ReportStore: Sendable {
    /// Progress of every batch, or of one.
    func batchStatuses(batch: String?) async throws -> [BatchStatus]
    /// Call statistics grouped by `dimension`, of one batch or all, since a time or ever.
    func statistics(by dimension: StatsDimension, batch: String?, since: Date?) async throws -> [CallStatistics]
    /// Answers reused instead of called for (of one batch or all, since a time), and what they saved.
    func reuseSavings(batch: String?, since: Date?) async throws -> ReuseSavings
    /// Every job of one batch or all, in input order, one row at a time.
    func exportRows(batch: String?, _ body: (ExportRow) throws -> Void) async throws
    /// The first input row and the first parsed answer in input order (JSON objects as stored), from
    /// which export names its extra CSV columns before it writes the first row.
    func exportSample(batch: String?) async throws -> (input: String?, parsed: String?)
    /// Every meter, as `limits` shows it.
    func meterStatuses(now: Date) async throws -> [MeterStatus]
    /// The prompt-token estimators learned per provider and model.
    func estimators() async throws -> [(provider: String, model: String, estimator: TokenEstimator)]
    /// The remote batches of `--via batch-api` batches.
    func remoteBatches() async throws -> [RemoteBatchRecord]
    /// The provider's model list as `models --refresh` last stored it.
    func providerModels(provider: String) async throws -> [ProviderModel]
    /// A job's numeric id from its custom_id (in a batch) or its id.
    func findJob(_ name: String, batch: String?) async throws -> Int64
    /// A page of jobs, filtered, after a keyset (the dashboard's list).
    func jobs(_ query: JobQuery) async throws -> [JobSummary]
    /// One job whole, with its calls; nil when there is none with that id.
    func job(id: Int64) async throws -> JobDetail?
    /// A batch's calls per minute, oldest first, over its latest 120 minutes with calls.
    func throughput(batch: String) async throws -> [MinuteOfCalls]
    /// Per batch name: its answers so far, their cost and pace.
    func batchActivity() async throws -> [String: BatchActivity]
    /// A batch's jobs by their last error's code, most first.
    func errorCounts(batch: String) async throws -> [(code: String, jobs: Int)]
    /// Every worker the queue knows, with the age of its last heartbeat.
    func workers(now: Date) async throws -> [WorkerStatus]
    /// The schema migrations applied, by number.
    func appliedMigrations() async throws -> [Int]
}
