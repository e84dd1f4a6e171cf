import Foundation

extension SQLQueueStore {
    /// Deletes batches whose every job finished before `cutoff`, with their jobs, attempts and results.
    ///
    /// Jobs go in slices of `slice` rows, one transaction each, so a running worker waits for at most
    /// one slice. Each slice first checks the batch is still finished: a `retry` between slices stops
    /// its pruning, and what was deleted before was finished work.
    public func prune(
        finishedBefore cutoff: Date, batch: String? = nil, slice: Int = 2_000, dryRun: Bool = false,
        progress: (PruneSummary) -> Void = { _ in }
    ) async throws -> PruneSummary {
        var summary = PruneSummary()
        let candidates = try await engine.read { db in
            var arguments: SQLArguments = [cutoff.unixSeconds]
            if let batch { arguments += [batch] }
            return try db.rows(BatchesSQL.finishedBefore(batchFilter: batch != nil), arguments)
                .map { (id: $0[0] as Int64, name: $0[1] as String) }
        }
        for candidate in candidates {
            if dryRun {
                summary.jobs += try await engine.read { db in
                    try db.value(Int.self, "SELECT COUNT(*) FROM jobs WHERE batch_id = ?", [candidate.id]) ?? 0
                }
                summary.batches.append(candidate.name)
                continue
            }
            var finished = true
            while finished {
                let deleted = try await engine.write { db -> Int? in
                    guard try db.value(Bool.self, BatchesSQL.hasUnfinished, [candidate.id]) == false else { return nil }
                    try db.execute(JobsSQL.deleteSlice, [candidate.id, slice])
                    let count = db.changesCount
                    if count == 0 { try db.execute(BatchesSQL.delete, [candidate.id]) }
                    return count
                }
                summary.transactions += 1
                guard let deleted else {
                    finished = false
                    break
                }
                summary.jobs += deleted
                progress(summary)
                if deleted == 0 {
                    summary.batches.append(candidate.name)
                    break
                }
            }
        }
        if !dryRun {
            try await engine.write { db in try db.execute(WorkersSQL.pruneGone, [cutoff.unixSeconds]) }
        }
        return summary
    }
}
