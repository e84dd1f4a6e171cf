import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle

/// Runs `--via batch-api` batches through the provider's Batch API: packs their queued jobs into input
/// files, uploads them, creates remote batches, polls them, and writes each answer back to its job.
///
/// Every step is recorded before the next relies on it, and each can be repeated safely: an upload is
/// looked for by its file name, a batch by its metadata, before either is made again, and answers are
/// written only to jobs the remote batch still holds. So a worker killed at any point, restarted, sends
/// no job twice and loses none.
struct RemoteBatchRunner: Sendable {
    let store: any RemoteBatchStore
    let client: any BatchAPI
    let settings: RemoteSettings
    let workerID: String
    let logger: Logger
    let counters: ProgressCounters
    /// The worker's stop flag: credentials the Batch API refuses stop the worker, as on demand.
    let control: WorkerControl
    let uploadFailures = UploadFailureStreak()

    func loop() async {
        // A graceful shutdown ends the loop: every remote batch's state is recorded, and the next worker
        // takes it up. (Looping on would spin: the shutdown cancels each pause at once.)
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !stoppedFatally {
            await runOnce(now: Date())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(min(1, settings.pollInterval))) }
        }
    }

    /// A fatal refusal stopped the worker (here or on demand): no call of this key can succeed.
    var stoppedFatally: Bool {
        if case .fatal = control.reason { true } else { false }
    }

    func runOnce(now: Date) async {
        do {
            guard try await store.hasRemoteWork(provider: settings.provider) else { return }
            try await decideAuto(now: now)
            let made = try await store.prepareRemoteBatches(
                provider: settings.provider, workerID: workerID, maxLines: settings.maxLines, maxBytes: settings.maxBytes,
                leaseDuration: settings.leaseDuration, now: nil, budget: settings.budget)
            if made > 0 { logger.notice("packed queued jobs into \(made) remote batches for the Batch API") }
            // Leases and packing read the store's time (a fleet's hosts agree on it); `now` here only
            // times this host's own polls, against next-poll times hosts write from their clocks.
            for remote in try await store.leaseRemoteBatches(provider: settings.provider, workerID: workerID, leaseDuration: settings.leaseDuration, now: nil) {
                if Task.isCancelled { return }
                guard remote.nextPollAt <= now.timeIntervalSince1970 else { continue }
                do {
                    try await driveHoldingLease(remote)
                } catch let failure as ChatFailure {
                    if Self.stopsWorker(failure) {
                        // Every call with this key is refused: polling on would hold the jobs `running`
                        // forever. The remote batch stays as it is, for a worker with good credentials.
                        control.stop(
                            .fatal(
                                "\(failure.description) (from the Batch API, remote batch \(remote.localID)); no job was failed, each stays queued or with its remote batch"
                            ))
                        return
                    }
                    logger.warning("remote batch \(remote.localID): \(failure.description); trying again later")
                    try await store.markRemoteError(
                        remote, message: failure.description, retryAt: Date().addingTimeInterval(settings.pollInterval), now: Date())
                } catch let lost as RemoteLeaseLost {
                    logger.info("\(lost.description)")
                }
            }
        } catch is RemoteLeaseLost {
            // Another worker drives it now; this one goes on with the rest next pass.
        } catch  where Task.isCancelled {
            // The worker is stopping (the store refuses a cancelled task's writes): what was written is
            // the batch's state, its lease lapses and the next worker takes it up. Not an error.
        } catch {
            logger.error("remote batches: \(error)")
        }
    }

    /// Drives a remote batch while renewing its lease, as a worker renews its jobs' leases: an upload or
    /// a read of 200 MB may outlast one lease, and another worker must not take the batch meanwhile. If
    /// the lease is lost all the same (a stalled process), the drive stops: every change it would make
    /// is fenced by the lease anyway.
    func driveHoldingLease(_ remote: RemoteBatchRecord) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await drive(remote) }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(settings.leaseDuration / 4))
                    guard try await store.renewRemoteLease(remote, workerID: workerID, leaseDuration: settings.leaseDuration, now: nil) else {
                        throw RemoteLeaseLost(localID: remote.localID)
                    }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// `--via auto`: gives each undecided job an executor. On demand gets what the limits finish before
    /// the deadline (with a tenth kept in reserve); the Batch API gets the rest, when the deadline is at
    /// least its shortest window away. Without a deadline, or with one too close, everything runs on demand.
    func decideAuto(now: Date) async throws {
        let groups = try await store.undecidedAutoGroups()
        guard !groups.isEmpty else { return }
        let inputs = try await store.planInputs(batch: nil, catalog: nil)
        let outlooks = try await store.planOutlooks(
            models: Set(groups.map(\.demand.model)), history: inputs.history, catalog: settings.catalog, provider: settings.provider)
        for group in groups {
            let available = group.deadline.map { $0.timeIntervalSince(now) } ?? .infinity
            let onDemand =
                available.isInfinite || available < WorkPlanner.batchWindowSeconds
                ? group.demand.requests
                : WorkPlanner.onDemandCapacity(
                    group.demand, outlook: outlooks[group.demand.model] ?? ModelOutlook(), concurrency: settings.concurrency,
                    seconds: available * 0.9)
            try await store.decideAuto(batchID: group.batchID, model: group.demand.model, onDemand: onDemand, now: now)
            logger.notice(
                "--via auto: \(onDemand.counted("job")) of \(group.demand.model) on demand, \(group.demand.requests - onDemand) through the Batch API")
        }
    }

    /// One step for one remote batch, from wherever it is.
    func drive(_ remote: RemoteBatchRecord) async throws {
        switch remote.state {
        case .preparing:
            // Upload, then create at once: the record of each step is written before the next call.
            if let fileID = try await upload(remote) {
                var uploaded = remote
                uploaded.state = .uploaded
                uploaded.fileID = fileID
                try await create(uploaded)
            }
        case .uploaded: try await create(remote)
        case .submitted: try await poll(remote)
        case .collecting: try await collect(remote)
        case .done: break
        }
    }

    /// Uploads the input file (or adopts the one a lost try uploaded) and returns its id; nil when the
    /// jobs went back to the queue (all cancelled, or the upload failed: the next pass packs them anew).
    func upload(_ remote: RemoteBatchRecord) async throws -> String? {
        let filename = remote.localID + ".jsonl"
        // A try that was lost (a crash, a timeout) may have left the file at the provider: adopt it.
        if remote.polls > 0, let existing = try await client.file(named: filename) {
            try await store.markRemoteUploaded(remote, fileID: existing.id, now: Date())
            return existing.id
        }
        var input = RemoteInputLines(store: store, remote: remote, pageSize: 1_000)
        input.strictAllowed = settings.catalog.entries[remote.model]?.strictJSONSchema == true
        let size = try await input.measure()
        guard size.jobs > 0 else {
            _ = try await store.finishRemote(remote, reason: "cancelled", workerID: workerID, now: Date())
            return nil
        }
        try await store.markRemoteTrying(remote, now: Date())
        let file: RemoteFile
        do {
            file = try await client.uploadBatchFile(filename: filename, length: size.bytes, lines: input)
        } catch {
            if Self.refusalKind(error, goneMeansRefused: false) != nil {
                // A file the provider refuses (400, 413) is refused again unchanged: a try counted.
                try await refuse(remote, status: "upload_refused", code: error.code, message: error.message, httpStatus: error.httpStatus, kind: .retry)
                return nil
            }
            let message = error.description
            // Sent again at once, the same file (up to 200 MB) fails again while the provider is down:
            // its jobs wait the worker's backoff (a poll interval at least), longer each failure in a row.
            let wait = max(settings.pollInterval, settings.backoff.delay(retry: uploadFailures.failed(), providerWait: nil, random: Double.random(in: 0..<1)))
            let returned = try await store.abandonUpload(remote, message: message, retryAfter: wait, workerID: workerID, now: Date())
            logger.warning("upload of \(filename) failed (\(message)); its \(returned.counted("job")) went back to the queue for \(Int(wait.rounded(.up))) s")
            // Refused credentials stop the worker (`runOnce`); the jobs are back in the queue already.
            if Self.stopsWorker(error) { throw error }
            return nil
        }
        uploadFailures.succeeded()
        try await store.markRemoteUploaded(remote, fileID: file.id, now: Date())
        logger.info("uploaded \(size.jobs.counted("job")) as \(file.id)", metadata: ["remote": "\(remote.localID)", "model": "\(remote.model)"])
        return file.id
    }

    func create(_ remote: RemoteBatchRecord) async throws {
        guard let fileID = remote.fileID else { return }
        // A lost try may have created the batch: it carries our id in its metadata. (Every page of the
        // account's batches is read: the first shows only the newest.)
        var batch = remote.polls > 0 ? try await client.batch(metadata: "groqbatch_id", equals: remote.localID) : nil
        if batch == nil {
            try await store.markRemoteTrying(remote, now: Date())
            // A create refused for good (a 400, an input file gone) would be refused again every pass.
            batch = try await refusing(remote, status: "create_refused", goneMeansRefused: true) {
                try await client.createBatch(inputFileID: fileID, completionWindow: remote.completionWindow, metadata: ["groqbatch_id": remote.localID])
            }
        }
        guard let batch else { return }
        try await store.markRemoteSubmitted(remote, remoteBatchID: batch.id, status: batch.status, now: Date())
        logger.notice("remote batch \(batch.id) created: \(remote.lines.counted("job")) of \(remote.model), window \(remote.completionWindow)")
    }

    func poll(_ remote: RemoteBatchRecord) async throws {
        guard let id = remote.remoteBatchID else { return }
        // `groqbatch cancel` took every job back: stop paying for the remote batch too.
        if try await store.remoteHeldCount(remote) == 0 {
            let cancelled = try await client.cancelBatch(id: id)
            _ = try await store.finishRemote(remote, reason: "cancelled", workerID: workerID, now: Date())
            logger.notice("remote batch \(id) cancelled (\(cancelled.status)): its jobs were cancelled")
            return
        }
        let batch = try await client.batch(id: id)
        if batch.isFinal {
            try await store.markRemoteCollecting(remote, status: batch.status, outputFileID: batch.outputFileID, errorFileID: batch.errorFileID, now: Date())
            logger.notice("remote batch \(id) \(batch.status): reading its answers")
            var collecting = remote
            collecting.state = .collecting
            collecting.remoteStatus = batch.status
            collecting.outputFileID = batch.outputFileID
            collecting.errorFileID = batch.errorFileID
            try await collect(collecting)
            return
        }
        let wait = min(settings.maxPollInterval, settings.pollInterval * pow(1.5, Double(min(remote.polls, 20))))
        try await store.markRemotePolled(remote, status: batch.status, nextPollAt: Date().addingTimeInterval(wait), now: Date())
    }
}
