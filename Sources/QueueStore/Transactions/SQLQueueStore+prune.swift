import Foundation

extension SQLQueueStore {
    /// Deletes batches whose every job finished before `cutoff`, with their jobs, attempts and results.
    ///
    /// Jobs go in slices of `slice` rows, one transaction each, so a running worker waits for at most
    /// one slice. Each slice first checks the batch is still finished: a `retry` between slices stops
    /// its pruning, and what was deleted before was finished work. The check is not trusted alone: on
    /// PostgreSQL a `retry` or an import may commit between it and the deletes, so the deletes
    /// themselves spare unfinished jobs, and a batch with jobs left.
    ///
    /// A batch with a remote batch still open is kept whole (`PruneSummary.kept`): its jobs may all be
    /// cancelled while the provider still runs (and bills) the remote batch, and its record is what a
    /// worker cancels or collects it by. Deleting the batch would delete that record (cascade).
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
            let open = try await engine.read { db in
                try db.rows(BatchesSQL.openRemote, [candidate.id]).map {
                    PruneSummary.KeptForRemote(
                        batch: candidate.name, localID: $0[0], remoteBatchID: $0[1], state: RemoteBatchState(rawValue: $0[2]) ?? .submitted,
                        provider: $0[3])
                }
            }
            if !open.isEmpty {
                summary.kept += open
                continue
            }
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
                    guard try db.value(Int64.self, BatchesSQL.lockForPrune(db.dialect), [candidate.id]) != nil,
                        try db.value(Bool.self, BatchesSQL.hasUnfinished, [candidate.id]) == false,
                        // A remote batch packed since (after a retry) keeps the batch too.
                        try db.rows(BatchesSQL.openRemote, [candidate.id]).isEmpty
                    else { return nil }
                    let count = try db.execute(JobsSQL.deleteSlice, [candidate.id, slice])
                    if count == 0 {
                        // Jobs left means some came back to the queue meanwhile: the batch stays.
                        return try db.execute(BatchesSQL.deleteEmpty, [candidate.id]) == 1 ? 0 : nil
                    }
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
