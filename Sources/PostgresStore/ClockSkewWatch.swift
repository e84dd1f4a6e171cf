import Foundation
import Logging
import Synchronization

/// Compares the host's clock with the server's each time a transaction reads the server's, and says
/// once when they disagree. The queue's times inside transactions are the server's, whatever the host's
/// clock says; what a host still times on its own clock (its sleeps, its run windows, the deadlines
/// people type) is off by that much.
final class ClockSkewWatch: Sendable {
    /// The host's clock (the store's `clock`; tests shift it).
    let hostClock: @Sendable () -> Date
    let logger: Logger
    private let warned = Atomic<Bool>(false)

    /// More than a round trip and a scheduling delay on a loaded host: a clock that needs correcting.
    static let tolerance: TimeInterval = 2

    init(hostClock: @escaping @Sendable () -> Date, logger: Logger) {
        self.hostClock = hostClock
        self.logger = logger
    }

    func observe(serverTime: Date) {
        let offset = hostClock().timeIntervalSince(serverTime)
        guard abs(offset) > Self.tolerance, !warned.exchange(true, ordering: .relaxed) else { return }
        let direction = offset > 0 ? "ahead of" : "behind"
        logger.warning(
            "this host's clock is \(Int(abs(offset).rounded())) s \(direction) the database server's: leases, meters and cutoffs use the server's time; fix the host's clock (NTP) so its own timing agrees"
        )
    }
}
