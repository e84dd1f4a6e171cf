import Foundation

/// Whether the provider can be reached, as a circuit breaker: calls flow while it answers; when calls
/// fail to reach it at all (refused, DNS, TLS, no route) claiming pauses, and one probe call goes out
/// after a growing pause (half-open) until one gets an answer of any kind. Jobs keep their tries
/// meanwhile. After `giveUpAfter` of outage the worker stops with an error.
///
/// A value with explicit instants, so every step is tested without waiting.
public struct ProviderBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Calls reach the provider.
        case closed
        /// Unreachable since `since`; the next probe may go out at `probeAt`.
        case open(since: Date, probeAt: Date, failures: Int)
        /// One probe is out; nothing else is claimed until it answers.
        case halfOpen(since: Date, failures: Int)
    }

    /// What a change of state means for the log.
    public enum Change: Sendable, Equatable {
        /// The provider just became unreachable.
        case opened
        /// It answered again after this long.
        case closed(after: TimeInterval)
    }

    /// How many jobs a claim may take now.
    public enum Allowance: Sendable, Equatable {
        case all
        /// One probe call.
        case probe
        /// None until then.
        case none(until: Date)
    }

    public private(set) var state: State = .closed
    public var giveUpAfter: TimeInterval
    public static let firstPause = 2.0
    public static let longestPause = 60.0

    public init(giveUpAfter: TimeInterval) {
        self.giveUpAfter = giveUpAfter
    }

    /// A call failed without reaching the provider.
    public mutating func unreachable(at now: Date) -> Change? {
        switch state {
        case .closed:
            state = .open(since: now, probeAt: now.addingTimeInterval(Self.firstPause), failures: 1)
            return .opened
        case .open(let since, let probeAt, let failures):
            // A call that was already out when the outage began: it changes nothing.
            state = .open(since: since, probeAt: probeAt, failures: failures)
            return nil
        case .halfOpen(let since, let failures):
            let pause = min(Self.longestPause, Self.firstPause * pow(2, Double(min(failures, 16))))
            state = .open(since: since, probeAt: now.addingTimeInterval(pause), failures: failures + 1)
            return nil
        }
    }

    /// A call got an answer from the provider, of any kind.
    public mutating func reached(at now: Date) -> Change? {
        switch state {
        case .closed:
            return nil
        case .open(let since, _, _), .halfOpen(let since, _):
            state = .closed
            return .closed(after: now.timeIntervalSince(since))
        }
    }

    /// What a claim at `now` may take; a due probe moves the breaker to half-open.
    public mutating func allowance(at now: Date) -> Allowance {
        switch state {
        case .closed:
            return .all
        case .open(let since, let probeAt, let failures):
            // Until the probe, or the moment to give up, whichever comes first.
            guard now >= probeAt else { return .none(until: min(probeAt, since.addingTimeInterval(giveUpAfter))) }
            state = .halfOpen(since: since, failures: failures)
            return .probe
        case .halfOpen:
            // Wait for the probe's answer; a claim that took nothing gives the probe back (`probeUnused`).
            return .none(until: now.addingTimeInterval(Self.longestPause))
        }
    }

    /// What a claim at `now` could take, without taking a probe.
    public func peek(at now: Date) -> Allowance {
        var copy = self
        return copy.allowance(at: now)
    }

    /// The probe allowed was not used (no job to run): another may go at once when there is one.
    public mutating func probeUnused(at now: Date) {
        if case .halfOpen(let since, let failures) = state { state = .open(since: since, probeAt: now, failures: failures) }
    }

    /// Whether the outage has lasted past `giveUpAfter`.
    public func givesUp(at now: Date) -> Bool {
        switch state {
        case .closed: false
        case .open(let since, _, _), .halfOpen(let since, _): now.timeIntervalSince(since) >= giveUpAfter
        }
    }

    /// Since when the provider has been unreachable, if it is.
    public var unreachableSince: Date? {
        switch state {
        case .closed: nil
        case .open(let since, _, _), .halfOpen(let since, _): since
        }
    }
}
