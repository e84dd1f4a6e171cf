import Foundation

/// What `import` needs of the queue: a file's jobs written in chunks, out of every worker's sight until
/// the whole file is in (then all of them at once), or withdrawn. A nil `now` is the queue's time
/// (PostgreSQL: the server's), so a heartbeat written on one host is judged on another by one clock.
public protocol ImportStore: Sendable {
    /// Starts an import into a batch (new or existing); imports that died mid-file are cleaned up first.
    func beginImport(_ batch: BatchSpec, now: Date?) async throws -> StagedImport
    /// Writes one chunk in one transaction; what became of each job, in order. Throws `ImportLost`,
    /// writing nothing, when the staging batch is gone (deleted as abandoned).
    func stage(_ jobs: [NewJob], into staged: StagedImport, now: Date?) async throws -> [ImportSink.Addition]
    /// Says the import is alive, input or not: a staging batch whose heartbeat stops for
    /// `SQLiteJobStore.abandonedImportAge` is deleted. Throws `ImportLost` when it already was.
    func beatImport(_ staged: StagedImport, now: Date?) async throws
    /// Brings the whole import into sight in one transaction; throws `ImportLost`, changing nothing,
    /// when the staging batch is gone.
    func commitImport(_ staged: StagedImport, now: Date?) async throws
    /// Withdraws everything the import wrote.
    func discardImport(_ staged: StagedImport) async throws
}
