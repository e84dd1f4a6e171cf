import Dispatch
import JobFormats
import Synchronization

/// Reads an import's source on a thread of its own: a read blocks (a producer piping into standard
/// input may pause for minutes), and blocking one of Swift's cooperative threads, two on a two-core
/// host, would stall the chunks being built and the import's heartbeat with it.
///
/// Unchecked Sendable: the source is touched only on `queue`, a serial queue, one read after another.
final class SourceReader: @unchecked Sendable {
    private let source: any ImportSource
    private let queue = DispatchQueue(label: "groqbatch.import.read")

    init(_ source: any ImportSource) { self.source = source }

    /// The source's next chunk (nil at its end). Returns at once with `CancellationError` when the task
    /// is cancelled, the read still blocked: the import is over, whatever the read brings.
    func next(maxLines: Int, maxBytes: Int) async throws -> SourceChunk? {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.wait(with: continuation) else { return }
                queue.async {
                    waiter.resume(with: Result { try self.source.nextJobLines(maxLines: maxLines, maxBytes: maxBytes) })
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }

    /// One read's continuation, resumed once: by the read or by cancellation, whichever comes first.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<SourceChunk?, any Error>)
            case done(Result<SourceChunk?, any Error>)
        }
        private let state = Mutex(State.idle)

        /// Holds the continuation; false when the outcome came first (cancelled before the read began),
        /// and then the continuation is resumed with it.
        func wait(with continuation: CheckedContinuation<SourceChunk?, any Error>) -> Bool {
            let early: Result<SourceChunk?, any Error>? = state.withLock { state in
                if case .done(let result) = state { return result }
                state = .waiting(continuation)
                return nil
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        func resume(with result: Result<SourceChunk?, any Error>) {
            let waiting: CheckedContinuation<SourceChunk?, any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .done(result)
                    return nil
                case .waiting(let continuation):
                    state = .done(result)
                    return continuation
                case .done: return nil
                }
            }
            waiting?.resume(with: result)
        }
    }
}
