import Foundation
import QueueStore

/// Writes outcomes to the store with group commit: the first caller writes, and outcomes that arrive
/// while it writes go together in the next transaction. Each caller returns once its own outcome is
/// committed, so nothing is reported done before it is durable.
actor OutcomeRecorder {
    private let store: any JobStore
    private let workerID: String
    private var pending: [(outcome: JobOutcome, waiter: CheckedContinuation<OutcomeDisposition, any Error>?)] = []
    private var flushing = false

    init(store: any JobStore, workerID: String) {
        self.store = store
        self.workerID = workerID
    }

    func record(_ outcome: JobOutcome) async throws -> OutcomeDisposition {
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
            do {
                let dispositions = try await store.record(batch.map(\.outcome), workerID: workerID, now: Date())
                for (entry, disposition) in zip(batch, dispositions) {
                    if let waiter = entry.waiter { waiter.resume(returning: disposition) } else { mine = .success(disposition) }
                }
            } catch {
                for entry in batch {
                    if let waiter = entry.waiter { waiter.resume(throwing: error) } else { mine = .failure(error) }
                }
            }
        }
        return try mine!.get()
    }
}
