import Foundation
import Logging
import QueueStore
import Synchronization

/// Writes outcomes to the store with group commit: the first caller writes, and outcomes that arrive
/// while it writes go together in the next transaction. Each caller returns once its own outcome is
/// committed, so nothing is reported done before it is durable.
///
/// A busy or briefly unavailable database is waited out (backing off, logged once), never a reason to
/// drop an answer. A write that fails for another reason rolls back the whole group, so the group is
/// written again one outcome at a time: only the outcome that cannot be written fails, and its caller
/// returns the job to the queue.
///
/// Writes run in a task of their own, not cancelled with the calls: at the end of the grace period the
/// calls are cancelled, and GRDB refuses every write from a cancelled task, so the cut calls' abandoned
/// attempts, the reservations they give back and an answer landing at the last moment would be lost.
/// Callers still wait for their write, so the worker exits only once they are committed.
actor OutcomeRecorder {
    private let store: any JobStore
    private let workerID: String
    private let logger: Logger
    private var pending: [(outcome: JobOutcome, waiter: CheckedContinuation<OutcomeDisposition, any Error>?)] = []
    private var flushing = false
    /// While the database is in trouble: logged once when it starts and once when it ends.
    private var weather = DatabaseWeather()
    /// Set once a caller is cancelled (the grace period is over): a busy database is no longer waited
    /// out, so a worker stopping during an outage exits; its jobs return to the queue on exit.
    private let cutShort = Atomic<Bool>(false)

    init(store: any JobStore, workerID: String, logger: Logger) {
        self.store = store
        self.workerID = workerID
        self.logger = logger
    }

    nonisolated func record(_ outcome: JobOutcome) async throws -> OutcomeDisposition {
        let write = Task { try await self.enqueue(outcome) }
        return try await withTaskCancellationHandler {
            try await write.value
        } onCancel: {
            cutShort.store(true, ordering: .relaxed)
        }
    }

    private func enqueue(_ outcome: JobOutcome) async throws -> OutcomeDisposition {
        if flushing {
            return try await withCheckedThrowingContinuation { waiter in
                pending.append((outcome, waiter))
            }
        }
        flushing = true
        defer { flushing = false }
        var mine: Result<OutcomeDisposition, any Error>?
        pending.insert((outcome, nil), at: 0)
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll()
            let results = await write(batch.map(\.outcome))
            for (entry, result) in zip(batch, results) {
                if let waiter = entry.waiter { waiter.resume(with: result) } else { mine = result }
            }
        }
        return try mine!.get()
    }

    /// Writes `outcomes` in one transaction, waiting out the database's weather; when the transaction
    /// fails for another reason, writes them one by one so that one bad outcome fails alone.
    func write(_ outcomes: [JobOutcome]) async -> [Result<OutcomeDisposition, any Error>] {
        do {
            return try await writeWaitingOutWeather(outcomes).map { .success($0) }
        } catch {
            guard outcomes.count > 1 else { return [.failure(error)] }
            var results: [Result<OutcomeDisposition, any Error>] = []
            for outcome in outcomes {
                results.append(contentsOf: await write([outcome]))
            }
            return results
        }
    }

    private func writeWaitingOutWeather(_ outcomes: [JobOutcome]) async throws -> [OutcomeDisposition] {
        while true {
            do {
                let dispositions = try await store.record(outcomes, workerID: workerID, now: nil)
                if let lasted = weather.succeeded(at: Date()) {
                    logger.notice("the database answers again after \(String(format: "%.1f", lasted)) s: outcomes are written")
                }
                return dispositions
            } catch  where store.isTransient(error) {
                if weather.failed(at: Date()) {
                    logger.warning("the database is busy or unavailable (\(error)): answers wait in memory and are written when it is back")
                }
                // The grace period is over: give up; the job returns to the queue on exit or when its
                // lease expires, and is sent again (at least once).
                if cutShort.load(ordering: .relaxed) { throw error }
                let pause = max(0, (weather.retryAt ?? Date()).timeIntervalSinceNow)
                try? await Task.sleep(for: .seconds(pause))
            }
        }
    }
}
