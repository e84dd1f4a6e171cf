/// An import that cannot go on because another import of the same batch is under way.
public struct ImportConflict: Error, CustomStringConvertible {
    public var batch: String

    public init(batch: String) { self.batch = batch }
    public var description: String {
        "batch '\(batch)' is being imported by another process (or one that died less than \(Int(SQLiteJobStore.abandonedImportAge / 60)) minutes ago); wait for it, or import into another --batch"
    }
}
