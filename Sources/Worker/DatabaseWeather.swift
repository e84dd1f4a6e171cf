import Foundation

/// How a worker waits out a database that is busy or briefly unavailable: it backs off (a tenth of a
/// second, doubling to five seconds) and says so once when the trouble starts and once when it ends,
/// instead of failing, crashing or logging every try.
struct DatabaseWeather: Sendable, Equatable {
    /// When the current run of failures began; nil while the database answers.
    private(set) var failingSince: Date?
    /// The earliest instant to try again.
    private(set) var retryAt: Date?
    private var failures = 0

    static let firstPause = 0.1
    static let longestPause = 5.0

    /// Records a failure at `now`; returns true for the first of a run (the one to log).
    mutating func failed(at now: Date) -> Bool {
        failures += 1
        if failingSince == nil { failingSince = now }
        let pause = min(Self.longestPause, Self.firstPause * pow(2, Double(min(failures - 1, 16))))
        retryAt = now.addingTimeInterval(pause)
        return failures == 1
    }

    /// Records a success at `now`; returns how long the trouble lasted when it just ended (the one to log).
    mutating func succeeded(at now: Date) -> TimeInterval? {
        guard let since = failingSince else { return nil }
        self = DatabaseWeather()
        return now.timeIntervalSince(since)
    }

    /// Whether a step may be tried at `now`.
    func mayTry(at now: Date) -> Bool {
        retryAt.map { now >= $0 } ?? true
    }
}
