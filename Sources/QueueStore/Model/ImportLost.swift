/// An import whose staging batch is gone: another process took it for abandoned (no heartbeat for
/// `SQLiteJobStore.abandonedImportAge`) and deleted it with the jobs staged so far. Nothing of the import
/// is in the queue, and nothing more of it may be written: its jobs would have no batch to go to.
public struct ImportLost: Error, CustomStringConvertible {
    public var batch: String

    public init(batch: String) { self.batch = batch }
    public var description: String {
        "the import into batch '\(batch)' was deleted as abandoned by another process (it wrote nothing for \(Int(SQLiteJobStore.abandonedImportAge / 60)) minutes); nothing imported; import the file again"
    }
}
