import Foundation
import GroqClient
import QueueStore

/// Decides where a job goes after a call: the retry/fallback policy, as a pure function.
public struct OutcomePlanner: Sendable {
    public var backoff: BackoffPolicy

    public init(backoff: BackoffPolicy) {
        self.backoff = backoff
    }

    /// The job's next step after `result`, with the attempt row to record.
    /// `random` (0..<1) is the jitter draw, injected so the decision can be tested.
    public func plan(
        job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, startedAt: Date, finishedAt: Date,
        random: Double
    ) -> JobOutcome {
        switch result {
        case .success(let success):
            let recorded = success.completion.records(
                calledModel: model, requestID: success.rateLimits.requestID, startedAt: startedAt, finishedAt: finishedAt,
                httpStatus: success.httpStatus)
            return JobOutcome(jobID: job.id, attempt: recorded.attempt, transition: .succeed(recorded.result))
        case .failure(let failure):
            let attempt = AttemptRecord(
                model: model, startedAt: startedAt, finishedAt: finishedAt, httpStatus: failure.httpStatus,
                outcome: AttemptRecord.Outcome(rawValue: failure.outcomeClass.rawValue) ?? .retry,
                errorCode: failure.code, errorMessage: failure.message,
                requestID: failure.rateLimits.requestID,
                limitKind: failure.httpStatus == 429 ? failure.rateLimitMessage.map { $0.kind.rawValue.lowercased() } : nil)
            return JobOutcome(jobID: job.id, attempt: attempt, transition: transition(job: job, failure: failure, now: finishedAt, random: random))
        }
    }

    func transition(job: ClaimedJob, failure: ChatFailure, now: Date, random: Double) -> JobTransition {
        let code = failure.code
        let message = failure.message
        switch failure.outcomeClass {
        case .success:
            return .release
        case .fatal:
            return .release
        case .permanent:
            return .fail(code: code, message: message)
        case .fallback:
            return nextModel(job, code: code, message: message)
        case .retry:
            // A rate limit says "not now", not "this job is bad": it waits as told without using up the
            // job's tries on this model.
            if failure.httpStatus == 429 {
                let wait = backoff.delay(retry: 1, providerWait: failure.providerWait, random: random)
                return .retry(at: now.addingTimeInterval(wait), code: code, message: message, counted: false)
            }
            // A 498 says flex has no capacity now: the provider is busy, not the job bad. It waits longer
            // each time (by the job's calls so far) without using up a try.
            if failure.httpStatus == 498 {
                let wait = backoff.delay(retry: min(job.attempts + 1, 12), providerWait: failure.providerWait, random: random)
                return .retry(at: now.addingTimeInterval(wait), code: code, message: message, counted: false)
            }
            let tries = job.modelAttempts + 1
            if tries >= job.maxAttempts { return nextModel(job, code: code, message: message) }
            let wait = backoff.delay(retry: tries, providerWait: failure.providerWait, random: random)
            return .retry(at: now.addingTimeInterval(wait), code: code, message: message, counted: true)
        }
    }

    func nextModel(_ job: ClaimedJob, code: String, message: String) -> JobTransition {
        let next = job.modelIndex + 1
        guard next < job.models.count else { return .fail(code: code, message: message) }
        return .moveToModel(next, code: code, message: message)
    }
}
