import Foundation
import QueueStore

/// The queue the benchmarks fill and measure, through the store interfaces only: what the CLI and the
/// worker see, whichever store is behind them.
enum BenchQueue {
    static func open(_ path: String) throws -> any QueueDatabase { try SQLiteJobStore(path: path) }

    /// Adds `count` jobs, made by `job` from their 1-based index, to `batch` as `import` does: staged a
    /// chunk per transaction, then brought into sight at once.
    static func add(_ count: Int, to batch: BatchSpec, in store: any QueueDatabase, _ job: (Int) -> NewJob) async throws {
        let staged = try await store.beginImport(batch, now: Date())
        var start = 1
        while start <= count {
            let end = min(count, start + 4_999)
            _ = try await store.stage((start...end).map(job), into: staged, now: Date())
            start = end + 1
        }
        try await store.commitImport(staged, now: Date())
    }
}
