import Foundation
import GroqClient
import JobFormats
import QueueStore

/// Decides where a job goes after a call: the retry/fallback policy, as a pure function.
public struct OutcomePlanner: Sendable {
    public var backoff: BackoffPolicy

    public init(backoff: BackoffPolicy) {
        self.backoff = backoff
    }

    /// The job's next step after `result`, with the attempt row to record.
    /// `random` (0..<1) is the jitter draw, injected so the decision can be tested.
    ///
    /// With a `format` (the request's `response_format`), an answer is a success only when it is what was
    /// asked for; otherwise it is a counted retry (`schema_mismatch`) that keeps the answer's text and
    /// usage in its attempt, and moves along the chain as any retry does.
    public func plan(
        job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, startedAt: Date, finishedAt: Date,
        random: Double, format: ResponseFormat? = nil
    ) -> JobOutcome {
        switch result {
        case .success(let success):
            var recorded = success.completion.records(
                calledModel: model, requestID: success.rateLimits.requestID, startedAt: startedAt, finishedAt: finishedAt,
                httpStatus: success.httpStatus)
            guard let format else { return JobOutcome(jobID: job.id, attempt: recorded.attempt, transition: .succeed(recorded.result)) }
            switch format.check(recorded.result.content) {
            case .success(let parsed):
                recorded.result.parsed = parsed
                return JobOutcome(jobID: job.id, attempt: recorded.attempt, transition: .succeed(recorded.result))
            case .failure(let mismatch):
                let failure = ChatFailure(
                    outcomeClass: .retry, httpStatus: success.httpStatus, code: ResponseFormat.mismatchCode, message: mismatch.description,
                    rateLimits: success.rateLimits)
                var attempt = recorded.attempt
                attempt.outcome = .retry
                attempt.errorCode = failure.code
                attempt.errorMessage = failure.message
                attempt.answer = recorded.result.content
                return JobOutcome(jobID: job.id, attempt: attempt, transition: transition(job: job, failure: failure, now: finishedAt, random: random))
            }
        case .failure(let failure):
            var attempt = AttemptRecord(
                model: model, startedAt: startedAt, finishedAt: finishedAt, httpStatus: failure.httpStatus,
                outcome: AttemptRecord.Outcome(rawValue: failure.outcomeClass.rawValue) ?? .retry,
                errorCode: failure.code, errorMessage: failure.message,
                requestID: failure.rateLimits.requestID,
                limitKind: failure.httpStatus == 429 ? failure.rateLimitMessage.map { $0.kind.rawValue.lowercased() } : nil)
            attempt.answer = failure.failedGeneration
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
            return step(job, .permanent, failure: failure, now: now, random: random)
        case .fallback:
            return step(job, .fallback, failure: failure, now: now, random: random)
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
            return step(job, .retry, failure: failure, now: now, random: random)
        }
    }

    /// The chain's rule (`ChainStep`, which the Batch API's answers follow too) as a transition.
    func step(_ job: ClaimedJob, _ kind: ChainStep.Kind, failure: ChatFailure, now: Date, random: Double) -> JobTransition {
        switch ChainStep.after(kind, modelAttempts: job.modelAttempts, maxAttempts: job.maxAttempts, modelIndex: job.modelIndex, chainLength: job.models.count)
        {
        case .again(let tries):
            let wait = backoff.delay(retry: tries, providerWait: failure.providerWait, random: random)
            return .retry(at: now.addingTimeInterval(wait), code: failure.code, message: failure.message, counted: true)
        case .model(let index):
            return .moveToModel(index, code: failure.code, message: failure.message)
        case .fail:
            return .fail(code: failure.code, message: failure.message)
        }
    }
}
