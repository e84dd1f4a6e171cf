import Foundation
import Logging
import QueueStore
import Synchronization
import Worker

/// The worker's progress: one line redrawn in place on a terminal, a log line otherwise.
final class ProgressDisplay: Sendable {
    let terminal: Bool
    let logger: Logger
    private let drawn = Mutex(false)

    init(terminal: Bool, logger: Logger) {
        self.terminal = terminal
        self.logger = logger
    }

    func show(_ progress: WorkerProgress, _ counts: [JobStatus: Int]) {
        let total = counts.values.reduce(0, +)
        let done = (counts[.succeeded] ?? 0) + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
        let minutes = max(Date().timeIntervalSince(progress.startedAt) / 60, 1.0 / 60)
        let rate = Double(progress.finished) / minutes
        let tokenRate = Double(progress.promptTokens + progress.completionTokens) / minutes
        var line = "\(done)/\(total) done (\(counts[.succeeded] ?? 0) ok, \(counts[.failed] ?? 0) failed)"
        line += " · \(Int(rate)) jobs/min · \(Int(tokenRate)) tokens/min · \(progress.inFlight) in flight"
        line += " · \(progress.retried) retries · \(progress.fellBack) fallbacks"
        let remaining = (counts[.queued] ?? 0) + (counts[.running] ?? 0)
        if rate > 0 && remaining > 0 { line += " · ETA \(Self.duration(Double(remaining) / rate * 60))" }
        if terminal {
            drawn.withLock { $0 = true }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            logger.notice("progress: \(line)")
        }
    }

    func finish() {
        if terminal && drawn.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(total % 60)s" }
        return "\(total / 3600)h\(total / 60 % 60)m"
    }
}
