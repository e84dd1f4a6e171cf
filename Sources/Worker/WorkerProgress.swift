import Foundation
import Synchronization

/// What one worker has done so far, for progress lines and its exit summary.
public struct WorkerProgress: Sendable, Equatable {
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    public var fellBack = 0
    public var released = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Calls made (every attempt).
    public var calls = 0
    public var inFlight = 0
    /// The models this worker has called.
    public var models: Set<String> = []
    public var startedAt = Date()

    public init() {}

    public var finished: Int { succeeded + failed }
}

/// Shared counters, updated by every generation task.
final class ProgressCounters: Sendable {
    private let state = Mutex(WorkerProgress())

    func update(_ body: (inout WorkerProgress) -> Void) {
        state.withLock { body(&$0) }
    }

    var snapshot: WorkerProgress { state.withLock { $0 } }
}
