import Foundation
import JobFormats
import Logging
import QueueStore
import Worker

/// The worker's progress: one line redrawn in place on a terminal, a log line otherwise.
final class ProgressDisplay: Sendable {
    let terminal: Bool
    let logger: Logger
    /// The summed tokens-per-minute limit of the given models, if known.
    let tokenLimit: @Sendable (Set<String>) async -> Int?
    /// Where the line is drawn on a terminal; log lines go through it too (see `TerminalStatusLine`).
    let statusLine: TerminalStatusLine

    init(
        terminal: Bool, logger: Logger, statusLine: TerminalStatusLine = TerminalStatusLine(),
        tokenLimit: @escaping @Sendable (Set<String>) async -> Int? = { _ in nil }
    ) {
        self.terminal = terminal
        self.logger = logger
        self.statusLine = statusLine
        self.tokenLimit = tokenLimit
    }

    func show(_ progress: WorkerProgress, _ counts: [JobStatus: Int]) async {
        let total = counts.values.reduce(0, +)
        let done = [JobStatus.succeeded, .failed, .cancelled, .expired].reduce(0) { $0 + (counts[$1] ?? 0) }
        let minutes = max(Date().timeIntervalSince(progress.startedAt) / 60, 1.0 / 60)
        let rate = Double(progress.finished) / minutes
        let tokenRate = Double(progress.promptTokens + progress.completionTokens) / minutes
        var line =
            "\(done)/\(total) done (\(counts[.succeeded] ?? 0) ok, \(counts[.failed] ?? 0) failed\((counts[.expired] ?? 0) > 0 ? ", \(counts[.expired] ?? 0) expired" : ""))"
        line += " · \(Int(rate)) jobs/min · \(Int(tokenRate)) tokens/min"
        if let limit = await tokenLimit(progress.models), limit > 0 { line += " of \(limit) TPM (\(Int(tokenRate * 100 / Double(limit)))%)" }
        line += " · \(progress.inFlight) in flight"
        line += " · \(progress.retried.counted("retry", plural: "retries")) · \(progress.fellBack.counted("fallback"))"
        let remaining = (counts[.queued] ?? 0) + (counts[.running] ?? 0)
        if rate > 0 && remaining > 0 { line += " · ETA \(Self.duration(Double(remaining) / rate * 60))" }
        if terminal {
            statusLine.show(line)
        } else {
            logger.notice("progress: \(line)")
        }
    }

    func finish() {
        if terminal { statusLine.finish() }
    }

    static func duration(_ seconds: Double) -> String {
        DurationText.short(seconds)
    }
}
