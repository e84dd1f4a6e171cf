import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle

// Duties beside the claim loop: the heartbeat (leases) and progress reports.
extension QueueWorker {
    /// Renews this worker's leases and returns other workers' expired ones, every `heartbeatInterval`.
    func heartbeat() async {
        var weather = DatabaseWeather()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(configuration.heartbeatInterval))
            if Task.isCancelled { return }
            do {
                // Only the jobs this worker knows it works on: any other lease in its name (a claim whose
                // commit was lost with its connection) lapses and comes back to the queue.
                let holding = held.withLock { $0.claims }
                _ = try await store.renewLeases(
                    workerID: configuration.workerID, holding: holding, leaseDuration: configuration.leaseDuration, now: nil)
                let recovered = try await store.recoverExpiredLeases(now: nil, sparing: configuration.workerID, holding: holding)
                // The store's time, not this host's: a clock ahead would delete other hosts' recent spends.
                if configuration.budget != nil { try await store.pruneSpends(now: nil) }
                if try await store.discardAbandonedImports(now: nil) > 0 { logger.notice("deleted the jobs of an import that stopped mid-file") }
                if recovered > 0 { logger.notice("returned \(recovered.counted("job")) with expired leases to the queue") }
                _ = weather.succeeded(at: Date())
            } catch  where store.isTransient(error) {
                // The claim loop and the recorder say when the database is busy; once is enough here.
                if weather.failed(at: Date()) { logger.info("heartbeat waits for the database: \(error)") }
            } catch  where error is CancellationError && Task.isCancelled {
                // The worker is stopping: GRDB (and the PostgreSQL store) refuse a cancelled task's
                // statements, and the leases are returned on the way out.
                return
            } catch {
                logger.warning("heartbeat failed: \(error)")
            }
        }
    }

    func reportProgress() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(progressInterval))
            if Task.isCancelled { return }
            await reportCounts()
        }
    }

    func reportCounts() async {
        guard let onProgress else { return }
        let counts = (try? await store.countsByStatus(batch: configuration.batch)) ?? [:]
        await onProgress(counters.snapshot, counts)
    }
}
