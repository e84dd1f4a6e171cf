import Foundation
import GRDB

extension SQLiteJobStore {
    /// Copies the whole queue into a new file at `destination` with SQLite's online backup, from one
    /// consistent snapshot, while workers go on writing. The copy is written beside the destination and
    /// renamed into place when complete, so a failed backup leaves no partial file.
    ///
    /// SQLite's backup has no asynchronous form and copies for as long as the file is large, so it runs
    /// on a thread of its own rather than holding one of the few threads async code shares.
    public func backup(to destination: String, progress: @escaping @Sendable (Double) -> Void = { _ in }) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let pool = self.pool
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.backup(pool, to: destination, progress: progress) })
            }
        }
    }

    private static func backup(_ pool: DatabasePool, to destination: String, progress: (Double) -> Void) throws {
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try createPrivately(partial)
        do {
            let target = try DatabaseQueue(path: partial)
            try withoutActuallyEscaping(progress) { progress in
                try pool.backup(to: target, pagesPerStep: 1024) { step in
                    if step.totalPageCount > 0 { progress(Double(step.completedPageCount) / Double(step.totalPageCount)) }
                }
            }
            try target.close()
            guard rename(partial, destination) == 0 else {
                throw OpenError(path: destination, reason: "cannot move the backup into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Rebuilds the file to give back the space deleted rows left, then truncates the write-ahead log.
    /// VACUUM holds the write lock while it runs: workers wait (busy timeout) rather than fail.
    /// Returns the file's size before and after, in bytes.
    public func vacuum() async throws -> (before: Int64, after: Int64) {
        let before = Self.fileSize(path)
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return (before, Self.fileSize(path))
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
