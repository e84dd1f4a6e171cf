import Foundation

/// Starts child processes one at a time across the whole test run; launches are a few milliseconds, so
/// taking turns costs nothing. (The memcpy crash inside Foundation's `Process.run()` seen in some runs is
/// not a race: it reads past glibc's readdir buffer, and `make test` sets `MALLOC_MMAP_THRESHOLD_` so
/// that buffer always has room after it; see the Makefile.)
public enum ProcessLaunch {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
