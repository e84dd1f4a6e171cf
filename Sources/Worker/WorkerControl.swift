import GroqClient
import Synchronization

/// Why a worker stopped, or is stopping.
public enum StopReason: Sendable, Equatable {
    /// A signal (SIGTERM, SIGINT) asked for a graceful shutdown.
    case shutdown
    /// `--until` / `--for` passed.
    case timeUp
    /// `--max-jobs` jobs were claimed.
    case maxJobs
    /// `--drain`: nothing is left to run or wait for.
    case drained
    /// The provider refused the credentials or the endpoint: nothing can succeed.
    case fatal(String)
    /// The provider stayed unreachable for `giveUpAfter`.
    case providerUnreachable(String)
}

/// The worker's stop flag, set from the synchronous graceful-shutdown handler as well as from tasks.
/// A `Mutex` rather than an actor because ServiceLifecycle's handler cannot await.
final class WorkerControl: Sendable {
    private let state = Mutex<StopReason?>(nil)

    /// The first reason given wins.
    func stop(_ reason: StopReason) {
        state.withLock { current in
            if current == nil { current = reason }
        }
    }

    var reason: StopReason? { state.withLock { $0 } }
}
