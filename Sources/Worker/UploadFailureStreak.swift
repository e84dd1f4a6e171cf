import Synchronization

/// How many uploads of input files failed in a row in this worker, so the wait before their jobs are
/// packed again grows through an outage as the worker's backoff grows with a job's tries. (No job
/// counts a try for a failed upload: the provider, not the job, is to blame.)
final class UploadFailureStreak: Sendable {
    private let count = Mutex(0)

    /// Counts one more failure and returns how many in a row, this one included.
    func failed() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }

    /// An upload went through: the next failure starts a new streak.
    func succeeded() { count.withLock { $0 = 0 } }
}
