import Foundation
import GroqClient
import JobFormats
import QueueStore
import Scheduler

/// Reading a remote batch's answers back: its output and error files, line by line, into its jobs.
extension RemoteBatchRunner {
    /// Reads the output and error files line by line as they arrive and writes the answers a slice per
    /// transaction: memory stays flat whatever the files' size. Reading a file again writes nothing twice.
    func collect(_ remote: RemoteBatchRecord) async throws {
        guard remote.state == .collecting else { return }
        let finished = Date()
        var slice: [RemoteAnswer] = []
        var requeued = 0
        func write() async throws {
            guard !slice.isEmpty else { return }
            try await checkStructured(&slice)
            let written = try await store.recordRemoteAnswers(remote, slice, workerID: workerID, now: Date())
            slice.removeAll(keepingCapacity: true)
            requeued += written.requeued
            counters.update { progress in
                progress.succeeded += written.answered
                progress.failed += written.failed
                progress.promptTokens += written.promptTokens
                progress.completionTokens += written.completionTokens
            }
        }
        for fileID in [remote.outputFileID, remote.errorFileID].compactMap({ $0 }) {
            // A file that is gone (404) takes its answers with it: its jobs count a try and go again.
            let read: Void? = try await refusing(remote, status: "file_lost", goneMeansRefused: true) {
                try await client.forEachFileLine(id: fileID) { line in
                    guard var answer = Self.answer(line, remote: remote, finished: finished) else { return }
                    if let result = answer.success?.result, let entry = settings.catalog.entries[remote.model],
                        entry.inputPrice != nil || entry.outputPrice != nil
                    {
                        answer.cost =
                            entry.cost(promptTokens: result.promptTokens, completionTokens: result.completionTokens, cachedTokens: result.cachedTokens ?? 0)
                            * WorkPlan.batchDiscount
                    }
                    slice.append(answer)
                    if slice.count >= settings.writeSlice { try await write() }
                }
            }
            guard read != nil else { return }
        }
        try await write()
        if requeued > 0 {
            logger.notice(
                "remote batch \(remote.remoteBatchID ?? remote.localID): \(requeued.counted("line")) failed on the provider's side (5xx, timeouts); their jobs go back to the queue as one try each"
            )
        }
        if remote.remoteStatus == "failed" {
            // The provider refused the whole file (a bad line, a model its Batch API does not serve):
            // sent again unchanged it would fail again, so its jobs count a try and follow their chains.
            try await refuseFailed(remote)
            return
        }
        let reason = remote.remoteStatus ?? "completed"
        let left = try await store.finishRemote(remote, reason: reason, workerID: workerID, now: Date())
        if left > 0 {
            let next =
                switch remote.ifExpires {
                case .fail: "failed"
                case .onDemand: "sent to on-demand calls"
                case .requeue:
                    remote.ifExpires.requeue(deadline: remote.deadline, now: Date().timeIntervalSince1970) == .onDemand
                        ? "sent to on-demand calls (the deadline leaves no room for another window)" : "queued for a new remote batch"
                }
            logger.notice("remote batch \(remote.remoteBatchID ?? remote.localID) \(reason) with \(left.counted("job")) unanswered: \(next)")
        }
    }

    /// Holds the answers of jobs that asked for a `response_format` to it, as on-demand answers are: a
    /// valid one is stored parsed; one that is not JSON or breaks its schema becomes a failed line of
    /// the provider's making (`schema_mismatch`, a try counted, its text kept), so the job goes back to
    /// the queue and along its chain.
    func checkStructured(_ answers: inout [RemoteAnswer]) async throws {
        let answered = answers.compactMap { $0.success == nil ? nil : $0.jobID }
        guard !answered.isEmpty else { return }
        let requests = try await store.structuredRequests(jobIDs: answered)
        guard !requests.isEmpty else { return }
        for index in answers.indices {
            guard let success = answers[index].success, let request = requests[answers[index].jobID],
                let format = ResponseFormat.of(requestJSON: request)
            else { continue }
            switch format.check(success.result.content) {
            case .success(let parsed):
                answers[index].success?.result.parsed = parsed
            case .failure(let mismatch):
                answers[index].invalidAnswer = success.result.content
                answers[index].success = nil
                answers[index].cost = nil
                answers[index].error = (ResponseFormat.mismatchCode, mismatch.description, 200, .retry)
            }
        }
    }

    /// One output or error line as an answer for its job; nil for a line the batch never ran (it expired
    /// or was cancelled first: the batch's policy decides those) or a line not ours.
    static func answer(_ bytes: [UInt8], remote: RemoteBatchRecord, finished: Date) -> RemoteAnswer? {
        guard let line = try? BatchLine.output(bytes), line.customID.hasPrefix("job-"), let jobID = Int64(line.customID.dropFirst(4)) else {
            return nil
        }
        if line.answered, let body = line.body?.jsonString(),
            var completion = try? JSONDecoder().decode(ChatCompletion.self, from: Data(body.utf8))
        {
            completion.rawBody = body
            let recorded = completion.records(
                calledModel: remote.model, requestID: line.requestID, startedAt: Date(timeIntervalSince1970: remote.createdAt),
                finishedAt: finished, httpStatus: 200)
            return RemoteAnswer(jobID: jobID, success: recorded, error: nil)
        }
        let code = line.errorCode ?? "http_\(line.statusCode ?? 0)"
        if ["batch_expired", "batch_cancelled"].contains(code) { return nil }
        let message = line.errorMessage ?? "the line failed"
        // The on-demand table decides: a line is the same call made another way. (A line with no response,
        // a timeout, is a retry, as a call that got no answer is.)
        let kind = lineKind(ErrorClassifier.classify(status: line.statusCode, code: line.errorCode, message: message))
        return RemoteAnswer(jobID: jobID, success: nil, error: (code, message, line.statusCode, kind))
    }

    /// What a failed line's class does to its job. A `fatal` line (401, 403, a 404 other than
    /// `model_not_found`) says nothing against the job, and the batch's other lines ran: a try counted.
    static func lineKind(_ outcome: OutcomeClass) -> ChainStep.Kind {
        switch outcome {
        case .fallback: .fallback
        case .permanent: .permanent
        case .retry, .fatal, .success: .retry
        }
    }
}
