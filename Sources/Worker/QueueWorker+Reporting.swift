import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle

// What a worker says about its calls: per-call log events, counters for progress and the summary, metrics.
extension QueueWorker {
    /// The fields every per-call event carries.
    func eventMetadata(_ job: ClaimedJob, model: String) -> Logger.Metadata {
        ["job": "\(job.id)", "custom_id": "\(job.customID)", "model": "\(model)", "attempt": "\(job.attempts + 1)"]
    }

    /// `--log-responses`, `--log-latency` and `--log-rate-limit` lines for one call.
    func logEvents(_ events: LogEvents, job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, seconds: Double) {
        var metadata = eventMetadata(job, model: model)
        let headers: RateLimitHeaders
        switch result {
        case .success(let success):
            headers = success.rateLimits
            let usage = success.completion.usage
            if events.contains(.responses) {
                logger.notice(
                    "response",
                    metadata: metadata.merging([
                        "status": "\(success.httpStatus)", "finish_reason": "\(success.completion.finishReason ?? "-")",
                        "prompt_tokens": "\(usage.promptTokens)", "completion_tokens": "\(usage.completionTokens)",
                        "content": "\(LogEvents.truncated(success.completion.content ?? ""))",
                    ]) { $1 })
            }
            if events.contains(.latency) {
                metadata["seconds"] = "\(String(format: "%.3f", seconds))"
                if let queue = usage.queueTime { metadata["groq_queue_time"] = "\(queue)" }
                if let total = usage.totalTime { metadata["groq_total_time"] = "\(total)" }
                logger.notice("latency", metadata: metadata)
            }
        case .failure(let failure):
            headers = failure.rateLimits
            if events.contains(.responses) {
                logger.notice(
                    "error response",
                    metadata: metadata.merging([
                        "status": "\(failure.httpStatus.map(String.init) ?? "none")", "code": "\(failure.code)",
                        "class": "\(failure.outcomeClass.rawValue)", "message": "\(LogEvents.truncated(failure.message))",
                    ]) { $1 })
            }
            if events.contains(.latency) {
                logger.notice("latency", metadata: metadata.merging(["seconds": "\(String(format: "%.3f", seconds))", "failed": "true"]) { $1 })
            }
            if events.contains(.rateLimit), failure.httpStatus == 429 {
                var fields: Logger.Metadata = ["retry_after": "\(failure.providerWait.map { String(format: "%.1f s", $0) } ?? "-")"]
                if let message = failure.rateLimitMessage {
                    fields["limit"] = "\(message.kind.rawValue)"
                    fields["limit_value"] = "\(message.limit)"
                    fields["used"] = "\(message.used.map(String.init) ?? "-")"
                }
                logger.notice("rate limited", metadata: metadata.merging(fields) { $1 })
            }
        }
        if events.contains(.rateLimit), headers.tokensPerMinuteRemaining != nil || headers.requestsPerDayRemaining != nil {
            logger.notice(
                "rate limit headers",
                metadata: metadata.merging([
                    "remaining_tokens_per_minute": "\(headers.tokensPerMinuteRemaining.map(String.init) ?? "-")",
                    "remaining_requests_per_day": "\(headers.requestsPerDayRemaining.map(String.init) ?? "-")",
                ]) { $1 })
        }
    }

    /// Counts the call behind an outcome, whether or not its outcome can be written: it was made.
    func countCall(_ outcome: JobOutcome) {
        guard let attempt = outcome.attempt else { return }
        metrics.recordCall(attempt)
        guard attempt.outcome != .abandoned else { return }
        counters.update { progress in
            progress.calls += 1
            progress.models.insert(attempt.model)
        }
    }

    /// Counts a transition the database now holds.
    func count(_ transition: JobTransition) {
        switch transition {
        case .succeed: metrics.recordFinished(.succeeded)
        case .fail: metrics.recordFinished(.failed)
        default: break
        }
        counters.update { progress in
            switch transition {
            case .succeed(let result):
                progress.succeeded += 1
                progress.promptTokens += result.promptTokens
                progress.completionTokens += result.completionTokens
            case .fail: progress.failed += 1
            case .retry: progress.retried += 1
            case .moveToModel: progress.fellBack += 1
            case .release: progress.released += 1
            }
        }
    }

    func log(_ job: ClaimedJob, model: String, outcome: JobOutcome) {
        guard let attempt = outcome.attempt, attempt.outcome != .success else { return }
        var metadata: Logger.Metadata = [
            "job": "\(job.id)", "custom_id": "\(job.customID)", "model": "\(model)",
            "attempt": "\(job.attempts + 1)", "error": "\(attempt.errorCode ?? "-")",
        ]
        switch outcome.transition {
        case .retry(let at, _, _, _):
            metadata["retry_in"] = "\(String(format: "%.1f", at.timeIntervalSinceNow)) s"
            logger.debug("retry", metadata: metadata)
        case .moveToModel(let index, _, _):
            metadata["next_model"] = "\(job.models[index])"
            logger.info("fallback", metadata: metadata)
        case .fail:
            logger.warning("job failed: \(attempt.errorMessage ?? "")", metadata: metadata)
        default:
            break
        }
    }
}
