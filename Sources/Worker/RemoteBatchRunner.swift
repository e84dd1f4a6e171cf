import Foundation
import JobFormats
import GroqClient
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
    let store: SQLiteJobStore
    let client: GroqClient
    let settings: RemoteSettings
    let workerID: String
    let logger: Logger
    let counters: ProgressCounters

    func loop() async {
        // A graceful shutdown ends the loop: every remote batch's state is recorded, and the next worker
        // takes it up. (Looping on would spin: the shutdown cancels each pause at once.)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await runOnce(now: Date())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(min(1, settings.pollInterval))) }
        }
    }

    func runOnce(now: Date) async {
        do {
            guard try store.hasRemoteWork(provider: settings.provider) else { return }
            try decideAuto(now: now)
            let made = try store.prepareRemoteBatches(
                provider: settings.provider, workerID: workerID, maxLines: settings.maxLines, maxBytes: settings.maxBytes,
                leaseDuration: settings.leaseDuration, now: now)
            if made > 0 { logger.notice("packed queued jobs into \(made) remote batches for the Batch API") }
            for remote in try store.leaseRemoteBatches(provider: settings.provider, workerID: workerID, leaseDuration: settings.leaseDuration, now: now) {
                if Task.isCancelled { return }
                guard remote.nextPollAt <= now.timeIntervalSince1970 else { continue }
                do {
                    try await drive(remote)
                } catch let failure as ChatFailure {
                    logger.warning("remote batch \(remote.localID): \(failure.description); trying again later")
                    try store.markRemoteError(remote, message: failure.description, retryAt: Date().addingTimeInterval(settings.pollInterval))
                }
            }
        } catch {
            logger.error("remote batches: \(error)")
        }
    }

    /// `--via auto`: gives each undecided job an executor. On demand gets what the limits finish before
    /// the deadline (with a tenth kept in reserve); the Batch API gets the rest, when the deadline is at
    /// least its shortest window away. Without a deadline, or with one too close, everything runs on demand.
    func decideAuto(now: Date) throws {
        let groups = try store.undecidedAutoGroups()
        guard !groups.isEmpty else { return }
        let inputs = try store.planInputs(batch: nil)
        let outlooks = try store.planOutlooks(
            models: Set(groups.map(\.demand.model)), history: inputs.history, catalog: settings.catalog, provider: settings.provider)
        for group in groups {
            let available = group.deadline.map { $0.timeIntervalSince(now) } ?? .infinity
            let onDemand = available.isInfinite || available < WorkPlanner.batchWindowSeconds
                ? group.demand.requests
                : WorkPlanner.onDemandCapacity(
                    group.demand, outlook: outlooks[group.demand.model] ?? ModelOutlook(), concurrency: settings.concurrency,
                    seconds: available * 0.9)
            try store.decideAuto(batchID: group.batchID, model: group.demand.model, onDemand: onDemand, now: now)
            logger.notice("--via auto: \(onDemand.counted("job")) of \(group.demand.model) on demand, \(group.demand.requests - onDemand) through the Batch API")
        }
    }

    /// One step for one remote batch, from wherever it is.
    func drive(_ remote: RemoteBatchRecord) async throws {
        switch remote.state {
        case "preparing":
            // Upload, then create at once: the record of each step is written before the next call.
            if let fileID = try await upload(remote) {
                var uploaded = remote
                uploaded.state = "uploaded"
                uploaded.fileID = fileID
                try await create(uploaded)
            }
        case "uploaded": try await create(remote)
        case "submitted": try await poll(remote)
        case "collecting": try await collect(remote)
        default: break
        }
    }

    /// Uploads the input file (or adopts the one a crashed worker uploaded) and returns its id.
    func upload(_ remote: RemoteBatchRecord) async throws -> String? {
        let filename = remote.localID + ".jsonl"
        // A crash between the upload and its record leaves the file at the provider: adopt it.
        if let existing = try await client.files().first(where: { $0.filename == filename }) {
            try store.markRemoteUploaded(remote, fileID: existing.id)
            return existing.id
        }
        let jobs = try store.remoteInput(remote)
        guard !jobs.isEmpty else {
            try store.finishRemote(remote, reason: "cancelled")
            return nil
        }
        var content = ""
        content.reserveCapacity(jobs.count * 300)
        for job in jobs {
            content += #"{"custom_id":"job-\#(job.id)","method":"POST","url":"/v1/chat/completions","body":"#
            content += GroqClient.body(job.request, model: remote.model) + "}\n"
        }
        let file = try await client.uploadBatchFile(filename: filename, content: Array(content.utf8))
        try store.markRemoteUploaded(remote, fileID: file.id)
        logger.info("uploaded \(jobs.count.counted("job")) as \(file.id)", metadata: ["remote": "\(remote.localID)", "model": "\(remote.model)"])
        return file.id
    }

    func create(_ remote: RemoteBatchRecord) async throws {
        guard let fileID = remote.fileID else { return }
        // A crash between creating the batch and its record: the batch carries our id in its metadata.
        var batch = try await client.batches().first { $0.metadata?["groqbatch_id"] == remote.localID }
        if batch == nil {
            batch = try await client.createBatch(inputFileID: fileID, completionWindow: remote.completionWindow, metadata: ["groqbatch_id": remote.localID])
        }
        guard let batch else { return }
        try store.markRemoteSubmitted(remote, remoteBatchID: batch.id, status: batch.status)
        logger.notice("remote batch \(batch.id) created: \(remote.lines.counted("job")) of \(remote.model), window \(remote.completionWindow)")
    }

    func poll(_ remote: RemoteBatchRecord) async throws {
        guard let id = remote.remoteBatchID else { return }
        // `groqbatch cancel` took every job back: stop paying for the remote batch too.
        if try store.remoteInput(remote).isEmpty {
            let cancelled = try await client.cancelBatch(id: id)
            try store.finishRemote(remote, reason: "cancelled")
            logger.notice("remote batch \(id) cancelled (\(cancelled.status)): its jobs were cancelled")
            return
        }
        let batch = try await client.batch(id: id)
        if batch.isFinal {
            try store.markRemoteCollecting(remote, status: batch.status, outputFileID: batch.outputFileID, errorFileID: batch.errorFileID)
            logger.notice("remote batch \(id) \(batch.status): reading its answers")
            var collecting = remote
            collecting.state = "collecting"
            collecting.remoteStatus = batch.status
            collecting.outputFileID = batch.outputFileID
            collecting.errorFileID = batch.errorFileID
            try await collect(collecting)
            return
        }
        let wait = min(settings.maxPollInterval, settings.pollInterval * pow(1.5, Double(min(remote.polls, 20))))
        try store.markRemotePolled(remote, status: batch.status, nextPollAt: Date().addingTimeInterval(wait))
    }

    func collect(_ remote: RemoteBatchRecord) async throws {
        guard remote.state == "collecting" else { return }
        let finished = Date()
        var answers: [RemoteAnswer] = []
        for fileID in [remote.outputFileID, remote.errorFileID].compactMap({ $0 }) {
            let bytes = try await client.fileContent(id: fileID)
            for line in bytes.split(separator: 0x0A) {
                guard var answer = Self.answer(Array(line), remote: remote, finished: finished) else { continue }
                if let result = answer.success?.result, let entry = settings.catalog.entries[remote.model],
                   entry.inputPrice != nil || entry.outputPrice != nil {
                    answer.cost = entry.cost(promptTokens: result.promptTokens, completionTokens: result.completionTokens) * WorkPlan.batchDiscount
                }
                answers.append(answer)
            }
        }
        var start = 0
        while start < answers.count {
            let slice = Array(answers[start..<min(answers.count, start + settings.writeSlice)])
            let written = try store.recordRemoteAnswers(remote, slice, workerID: workerID)
            counters.update { progress in
                progress.succeeded += written.answered
                progress.failed += written.failed
                progress.promptTokens += written.promptTokens
                progress.completionTokens += written.completionTokens
            }
            start += settings.writeSlice
        }
        let reason = remote.remoteStatus ?? "completed"
        let left = try store.finishRemote(remote, reason: reason)
        if left > 0 {
            logger.notice("remote batch \(remote.remoteBatchID ?? remote.localID) \(reason) with \(left.counted("job")) unanswered: \(remote.leftovers == "fail" ? "failed" : "back to on-demand calls")")
        }
    }

    /// One output or error line as an answer for its job; nil for a line the batch never ran (it expired
    /// or was cancelled first: the batch's policy decides those) or a line not ours.
    static func answer(_ line: [UInt8], remote: RemoteBatchRecord, finished: Date) -> RemoteAnswer? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
              let customID = object["custom_id"] as? String, customID.hasPrefix("job-"), let jobID = Int64(customID.dropFirst(4))
        else { return nil }
        let response = object["response"] as? [String: Any]
        let status = response?["status_code"] as? Int
        if status == 200, let body = response?["body"], let data = try? JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes]),
           var completion = try? JSONDecoder().decode(ChatCompletion.self, from: data) {
            completion.rawBody = String(decoding: data, as: UTF8.self)
            let usage = completion.usage
            let requestID = completion.xGroq?.id ?? response?["request_id"] as? String
            let attempt = AttemptRecord(
                model: completion.model ?? remote.model, startedAt: Date(timeIntervalSince1970: remote.createdAt), finishedAt: finished,
                httpStatus: 200, outcome: .success, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                requestID: requestID)
            let result = JobResult(
                model: completion.model ?? remote.model, content: completion.content, finishReason: completion.finishReason,
                promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens,
                queueTime: usage.queueTime, promptTime: usage.promptTime, completionTime: usage.completionTime,
                totalTime: usage.totalTime, responseID: completion.id, requestID: requestID, rawResponse: completion.rawBody)
            return RemoteAnswer(jobID: jobID, success: (attempt, result), error: nil)
        }
        let error = (object["error"] as? [String: Any]) ?? ((response?["body"] as? [String: Any])?["error"] as? [String: Any])
        let code = error?["code"] as? String ?? "http_\(status ?? 0)"
        if ["batch_expired", "batch_cancelled"].contains(code) { return nil }
        return RemoteAnswer(jobID: jobID, success: nil, error: (code, error?["message"] as? String ?? "the line failed", status))
    }
}
