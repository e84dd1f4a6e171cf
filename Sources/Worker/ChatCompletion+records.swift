import Foundation
import GroqClient
import QueueStore

extension ChatCompletion {
    /// What an answer becomes in the queue: the call's attempt row and the job's result. One mapping for
    /// on-demand calls and Batch API lines. `requestID` is the transport's (a header, or the output
    /// line's `request_id`) for answers whose body carries none (`x_groq.id`).
    func records(calledModel: String, requestID: String?, startedAt: Date, finishedAt: Date, httpStatus: Int) -> (attempt: AttemptRecord, result: JobResult) {
        let requestID = xGroq?.id ?? requestID
        var attempt = AttemptRecord(
            model: calledModel, startedAt: startedAt, finishedAt: finishedAt, httpStatus: httpStatus, outcome: .success,
            promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, requestID: requestID)
        attempt.cachedTokens = usage.cachedPromptTokens
        var result = JobResult(
            model: model ?? calledModel, content: content, finishReason: finishReason,
            promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens,
            queueTime: usage.queueTime, promptTime: usage.promptTime, completionTime: usage.completionTime,
            totalTime: usage.totalTime, responseID: id, requestID: requestID, rawResponse: rawBody)
        result.cachedTokens = usage.cachedPromptTokens
        return (attempt, result)
    }
}
