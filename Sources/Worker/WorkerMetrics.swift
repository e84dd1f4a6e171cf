import Foundation
import Metrics
import QueueStore

/// What a worker reports through swift-metrics: calls and their outcomes, errors by class, 429s by
/// limit, tokens, latency, jobs in flight and finished. Whatever backend the process bootstrapped
/// receives them (Prometheus with `work --metrics-port`); without one they cost next to nothing.
struct WorkerMetrics: Sendable {
    /// One finished call (an abandoned one, cut short by shutdown, is not a provider's answer).
    func recordCall(_ attempt: AttemptRecord) {
        guard attempt.outcome != .abandoned else { return }
        let model = attempt.model
        Counter(label: "groqbatch_requests_total", dimensions: [("model", model), ("outcome", attempt.outcome.rawValue)]).increment()
        Metrics.Timer(label: "groqbatch_request_duration_seconds", dimensions: [("model", model)])
            .recordSeconds(attempt.finishedAt.timeIntervalSince(attempt.startedAt))
        if attempt.outcome != .success {
            Counter(
                label: "groqbatch_errors_total",
                dimensions: [
                    ("model", model), ("class", attempt.outcome.rawValue), ("code", attempt.errorCode ?? "none"),
                ]
            ).increment()
        }
        if attempt.httpStatus == 429 {
            Counter(label: "groqbatch_rate_limited_total", dimensions: [("model", model), ("limit", attempt.limitKind ?? "unknown")]).increment()
        }
        if let prompt = attempt.promptTokens {
            Counter(label: "groqbatch_tokens_total", dimensions: [("model", model), ("kind", "prompt")]).increment(by: prompt)
        }
        if let completion = attempt.completionTokens {
            Counter(label: "groqbatch_tokens_total", dimensions: [("model", model), ("kind", "completion")]).increment(by: completion)
        }
        // Of the prompt tokens, those read from the provider's prompt cache (kind "prompt" counts them too).
        if let cached = attempt.cachedTokens {
            Counter(label: "groqbatch_tokens_total", dimensions: [("model", model), ("kind", "cached")]).increment(by: cached)
        }
    }

    /// A job leaving the queue for good (succeeded or failed) through this worker.
    func recordFinished(_ status: JobStatus) {
        Counter(label: "groqbatch_jobs_finished_total", dimensions: [("status", status.rawValue)]).increment()
    }

    func recordInFlight(_ count: Int) {
        Gauge(label: "groqbatch_in_flight").record(count)
    }
}
