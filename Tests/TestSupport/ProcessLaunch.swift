import Foundation

/// Starts child processes one at a time across the whole test run. Foundation's `Process.run()` once
/// crashed inside its own launch code (a bad pointer in a memcpy) while the suite started several
/// children on different threads at once; launches are a few milliseconds, so taking turns costs nothing.
public enum ProcessLaunch {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
