import Foundation
import GRDB
import JobFormats
import Scheduler

extension SQLQueueStore {
    /// Moves queued jobs of `--via batch-api` batches into new remote batches (state `preparing`), at
    /// most `maxLines` jobs and an input file of `maxBytes` each (its lines as `RemoteInputLines` writes
    /// them, counted in bytes: CJK text weighs three times its characters), one model each, in one transaction:
    /// from here the jobs belong to their remote batch (`lease_owner` = `remote:<local id>`), so no
    /// other worker or call can send them again.
    ///
    /// Each job reserves what it may cost against its batch's caps (`--token-cap`, `--max-cost`) and the
    /// day's (`work --max-tokens-per-day`, `--max-cost-per-day`), at the Batch API's prices, as a claim
    /// does: jobs that do not fit stay queued until the answers settle below the caps or the day turns.
    public func prepareRemoteBatches(
        provider: String, workerID: String, maxLines: Int, maxBytes: Int, leaseDuration: TimeInterval, now: Date? = nil,
        budget: BudgetContext? = nil
    ) async throws -> Int {
        try await engine.write { db in
            try db.lockBudgets(provider: provider)
            let now = try now ?? db.transactionTime()
            let seconds = now.unixSeconds
            var made = 0
            let today = QueueSteps.utcDay(now)
            var dayCap = SpendingCap(maxTokens: budget?.dailyTokenCap, maxCost: budget?.dailyCostCap)
            if let row = try db.row(BudgetsSQL.day, [today]) {
                dayCap.spentTokens = row[0]
                dayCap.spentCost = row[1]
            }
            for group in try db.rows(RemoteBatchesSQL.waitingGroups(db.dialect), [seconds]) {
                let batchID: Int64 = group[0]
                guard let model: String = group[1] else { continue }
                let deadline: Double? = group[2]
                guard let caps = try db.row(RemoteBatchesSQL.batchCaps, [batchID]) else { continue }
                var batchCap = SpendingCap(maxTokens: caps[0], maxCost: caps[1], spentTokens: caps[2], spentCost: caps[3])
                let estimator = try QueueSteps.loadEstimator(db: db, provider: provider, model: model)
                let entry = budget?.catalog.entries[model]
                var waiting = try db.rows(RemoteBatchesSQL.waitingJobs(db.dialect), [batchID, seconds, model, maxLines * 64])[...]
                var paused: String?
                var packed = false
                while !waiting.isEmpty {
                    var chosen: [(id: Int64, tokens: Int, cost: Double)] = []
                    var bytes = 0
                    while let next = waiting.first, chosen.count < maxLines {
                        let length = BatchLine.inputBytes(customID: BatchLine.customID(jobID: next[0]), model: model, requestBytes: next[1])
                        guard bytes + length <= maxBytes || chosen.isEmpty else { break }
                        let prompt = estimator.estimate(characters: next[2])
                        let output = (next[3] as Int?) ?? estimator.completionReservation(maxOutput: entry?.maxOutput)
                        let cost = (entry?.cost(promptTokens: prompt, completionTokens: output) ?? 0) * WorkPlan.batchDiscount
                        guard batchCap.allows(tokens: prompt + output, cost: cost), dayCap.allows(tokens: prompt + output, cost: cost) else {
                            // At a cap: this batch's other jobs wait for the settlement of those sent, or
                            // for the next day, paused as a claim pauses them (`status` says why).
                            let next = JobCost(tokens: prompt + output, cost: cost)
                            paused =
                                batchCap.allows(tokens: next.tokens, cost: next.cost)
                                ? "the day's " + dayCap.reason(for: next) : batchCap.reason(for: next)
                            waiting.removeAll()
                            break
                        }
                        batchCap.add(tokens: prompt + output, cost: cost)
                        dayCap.add(tokens: prompt + output, cost: cost)
                        chosen.append((next[0], prompt + output, cost))
                        bytes += length
                        waiting.removeFirst()
                    }
                    guard !chosen.isEmpty else { break }
                    let localID = "gb-" + UUID().uuidString.lowercased()
                    // The jobs were read unlocked: one cancelled, or taken by a worker preparing for another
                    // provider, since is not moved by the guarded update, and neither counts as a line nor
                    // reserves (its reservation would never be given back).
                    let taken = try chosen.filter { job in
                        try db.execute(RemoteBatchesSQL.takeJob, ["remote:" + localID, seconds, job.tokens, job.cost, seconds, job.id]) == 1
                    }
                    guard !taken.isEmpty else { continue }
                    try db.execute(
                        RemoteBatchesSQL.insert,
                        [
                            localID, provider, batchID, model, QueueSteps.completionWindow(deadline: deadline, now: seconds), taken.count,
                            workerID, seconds + leaseDuration, seconds, seconds,
                        ])
                    let tokens = taken.reduce(0) { $0 + $1.tokens }
                    let cost = taken.reduce(0) { $0 + $1.cost }
                    try db.execute(BudgetsSQL.reserveBatch, [tokens, cost, batchID])
                    try db.execute(BudgetsSQL.reserveDay, [today, tokens, cost])
                    made += 1
                    packed = true
                }
                if let paused {
                    try db.execute(BudgetsSQL.pauseBatch, [paused, batchID])
                } else if packed {
                    try db.execute(BudgetsSQL.resumeBatch, [batchID])
                }
            }
            return made
        }
    }

    /// Whether there is Batch API work for this provider: a read, so an idle worker writes nothing.
    public func hasRemoteWork(provider: String) async throws -> Bool {
        try await engine.read { db in
            try db.value(Bool.self, RemoteBatchesSQL.anyQueued) == true || !QueueSteps.openSpellings(of: provider, db: db).isEmpty
        }
    }

    public func batchAPIPausedBatches(batch: String?) async throws -> Set<Int64> {
        try await engine.read { db in
            Set(try db.values(Int64.self, RemoteBatchesSQL.pausedForBatchAPI(named: batch != nil), batch.map { [$0] } ?? []))
        }
    }

    public func hasRemoteWork(provider: String, excludingBatches excluded: Set<Int64>) async throws -> Bool {
        try await engine.read { db in
            try db.value(Bool.self, RemoteBatchesSQL.anyQueued(excluding: excluded.count), SQLArguments(Array(excluded))) == true
                || !QueueSteps.openSpellings(of: provider, db: db).isEmpty
        }
    }

    /// Takes (or keeps) the open remote batches of a provider this worker may drive and returns them:
    /// those recorded under any spelling of its base URL (`ProviderKey`), so a worker started with
    /// `localhost` drives what one started with `127.0.0.1/` made, and a queue's older spellings too.
    public func leaseRemoteBatches(provider: String, workerID: String, leaseDuration: TimeInterval, now: Date? = nil) async throws -> [RemoteBatchRecord] {
        try await engine.write { db in
            // The transaction's time: a host whose clock runs ahead would take other hosts' live leases.
            let seconds = try (now ?? db.transactionTime()).unixSeconds
            for spelling in try QueueSteps.openSpellings(of: provider, db: db) {
                try db.execute(RemoteBatchesSQL.lease, [workerID, seconds + leaseDuration, spelling, workerID, seconds])
            }
            return try db.rows(RemoteBatchesSQL.leased, [workerID]).map(QueueSteps.remoteRecord)
        }
    }

    /// Every remote batch, for `groqbatch remote`.
    public func remoteBatches() async throws -> [RemoteBatchRecord] {
        try await engine.read { db in try db.rows(RemoteBatchesSQL.all).map(QueueSteps.remoteRecord) }
    }

    /// Extends this worker's lease on a remote batch it drives; false when another worker holds it now.
    public func renewRemoteLease(_ remote: RemoteBatchRecord, workerID: String, leaseDuration: TimeInterval, now: Date? = nil) async throws -> Bool {
        try await engine.write { db in
            let now = try now ?? db.transactionTime()
            try db.execute(RemoteBatchesSQL.renew, [now.unixSeconds + leaseDuration, remote.id, workerID])
            return db.changesCount == 1
        }
    }

    /// A page of a remote batch's jobs after job `after`, as (job id, stored request) in id order: its
    /// input file's lines, read a page at a time so an upload never holds them all.
    public func remoteInputPage(_ remote: RemoteBatchRecord, after: Int64, limit: Int) async throws -> [(id: Int64, request: String)] {
        try await engine.read { db in
            try db.rows(RemoteBatchesSQL.inputPage, [remote.owner, after, limit]).map { ($0[0], $0[1]) }
        }
    }

    /// How many jobs the remote batch still holds (the rest were cancelled or answered).
    public func remoteHeldCount(_ remote: RemoteBatchRecord) async throws -> Int {
        try await engine.read { db in try db.value(Int.self, RemoteBatchesSQL.heldCount, [remote.owner]) ?? 0 }
    }

    /// Runs one fenced change: it applies only while `workerID` holds the remote batch.
    private func fenced(_ remote: RemoteBatchRecord, _ sql: String, _ arguments: SQLArguments) async throws {
        try await engine.write { db in
            try db.execute(sql, arguments)
            if db.changesCount == 0, try db.value(Bool.self, RemoteBatchesSQL.held, [remote.id, remote.workerID]) == nil {
                throw RemoteLeaseLost(localID: remote.localID)
            }
        }
    }

    /// An upload or create is about to be tried: after a lost one, the next looks for what it made.
    public func markRemoteTrying(_ remote: RemoteBatchRecord, now: Date = Date()) async throws {
        try await fenced(remote, RemoteBatchesSQL.trying, [now.unixSeconds, remote.id, remote.workerID])
    }

    public func markRemoteUploaded(_ remote: RemoteBatchRecord, fileID: String, now: Date = Date()) async throws {
        try await fenced(remote, RemoteBatchesSQL.uploaded, [fileID, now.unixSeconds, remote.id, remote.workerID])
    }

    public func markRemoteSubmitted(_ remote: RemoteBatchRecord, remoteBatchID: String, status: String, now: Date = Date()) async throws {
        try await fenced(remote, RemoteBatchesSQL.submitted, [remoteBatchID, status, now.unixSeconds, remote.id, remote.workerID])
    }

    public func markRemotePolled(_ remote: RemoteBatchRecord, status: String, nextPollAt: Date, now: Date = Date()) async throws {
        try await fenced(remote, RemoteBatchesSQL.polled, [status, nextPollAt.unixSeconds, now.unixSeconds, remote.id, remote.workerID])
    }

    public func markRemoteCollecting(_ remote: RemoteBatchRecord, status: String, outputFileID: String?, errorFileID: String?, now: Date = Date()) async throws
    {
        try await fenced(remote, RemoteBatchesSQL.collecting, [status, outputFileID, errorFileID, now.unixSeconds, remote.id, remote.workerID])
    }

    /// A call about a remote batch failed: say why and look again later.
    public func markRemoteError(_ remote: RemoteBatchRecord, message: String, retryAt: Date, now: Date = Date()) async throws {
        try await fenced(remote, RemoteBatchesSQL.failedCall, [message, retryAt.unixSeconds, now.unixSeconds, remote.id, remote.workerID])
    }
}

extension QueueSteps {
    /// The Batch API's window for a batch: the time to its deadline in whole hours, between 24 h and 7 d.
    static func completionWindow(deadline: Double?, now: Double) -> String {
        guard let deadline else { return "24h" }
        let hours = Int(((deadline - now) / 3600).rounded(.down))
        return "\(min(168, max(24, hours)))h"
    }

    /// The spellings open remote batches record `provider` under: every one whose `ProviderKey` is its.
    static func openSpellings(of provider: String, db: any SQLSession) throws -> [String] {
        let key = ProviderKey(provider)
        return try db.values(String.self, RemoteBatchesSQL.openProviders).filter(key.names)
    }

    static func remoteRecord(_ row: SQLRow) -> RemoteBatchRecord {
        RemoteBatchRecord(
            id: row[0], localID: row[1], provider: row[2], batchID: row[3], model: row[4],
            state: RemoteBatchState(rawValue: row[5]) ?? .done, fileID: row[6],
            remoteBatchID: row[7], remoteStatus: row[8], outputFileID: row[9], errorFileID: row[10], completionWindow: row[11],
            lines: row[12], answered: row[13], failed: row[14], leftOver: row[15], nextPollAt: row[16], polls: row[17],
            lastError: row[18], createdAt: row[19], batchName: row[20], ifExpires: RemoteExpiryPolicy(rawValue: row[21]) ?? .requeue,
            deadline: row[22], workerID: row[23])
    }
}
