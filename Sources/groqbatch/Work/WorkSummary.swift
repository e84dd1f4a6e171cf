import Logging
import Worker

/// The line `work` ends with (what it did, why it stopped) and the exit status that goes with it.
struct WorkSummary {
    let workerID: String
    let progress: WorkerProgress
    let stopReason: StopReason?

    /// Reports the run and throws for the stops that must not exit 0: 3 when the provider refused the
    /// key or endpoint, 4 when it stayed unreachable.
    func report(jsonLogs: Bool, logger: Logger) throws {
        let counts =
            "worker \(workerID): \(progress.succeeded) succeeded, \(progress.failed) failed, \(progress.retried.counted("retry", plural: "retries")), \(progress.fellBack.counted("fallback"))"
        let failure: CommandFailure? =
            switch stopReason {
            case .fatal(let message)?: CommandFailure("the provider refused this worker: \(message)", exitCode: 3)
            case .providerUnreachable(let message)?: CommandFailure(message, exitCode: 4)
            default: nil
            }
        // With JSON logs every line on standard error is JSON, the summary included.
        if jsonLogs {
            logger.notice(
                "worker stopped",
                metadata: [
                    "worker": "\(workerID)", "succeeded": "\(progress.succeeded)", "failed": "\(progress.failed)",
                    "retries": "\(progress.retried)", "fallbacks": "\(progress.fellBack)", "stopped": "\(Self.describe(stopReason))",
                ])
        } else {
            // A failure's own message says why it stopped.
            Console.error(failure == nil ? counts + " (stopped: \(Self.describe(stopReason)))" : counts)
        }
        if let failure { throw failure }
    }

    static func describe(_ reason: StopReason?) -> String {
        switch reason {
        case .shutdown?: "signal"
        case .timeUp?: "time is up"
        case .maxJobs?: "--max-jobs reached"
        case .drained?: "nothing left to do"
        case .fatal(let message)?, .providerUnreachable(let message)?: message
        case nil: "cancelled"
        }
    }
}
