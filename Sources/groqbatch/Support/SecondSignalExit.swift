import Dispatch
import Foundation
import Synchronization

/// Exits at once on the second SIGTERM or SIGINT (the first starts a graceful shutdown through
/// ServiceLifecycle, which also listens). `beforeExit` runs first, synchronously: it returns the
/// worker's jobs to the queue, so even an impatient stop leaves nothing leased to a dead process.
final class SecondSignalExit {
    private let sources: [any DispatchSourceSignal]
    private let counter = SignalCounter()

    init(beforeExit: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "groqbatch.signals")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            // A dispatch source needs the default action off; ServiceLifecycle does the same for these.
            signal(signalNumber, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: signalNumber, queue: queue))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [counter] in
                if counter.increment() >= 2 {
                    FileHandle.standardError.write(Data("\ngroqbatch: second signal: exiting now\n".utf8))
                    beforeExit()
                    exit(130)
                }
            }
            source.resume()
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}

/// Signals seen so far, shared by the handlers of both signals.
final class SignalCounter: Sendable {
    private let count = Mutex(0)

    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}
