import Foundation

/// An import under way: jobs written in chunks to a staging batch that workers do not see, until
/// `SQLiteJobStore.commitImport` brings them into sight at once, or `discardImport` withdraws them.
public struct StagedImport: Sendable {
    /// The batch the jobs are staged in.
    public let stagingBatchID: Int64
    /// The existing batch the staged jobs join on commit; nil when the staging batch is the new batch.
    public let targetBatchID: Int64?
    public let batch: BatchSpec

    public init(stagingBatchID: Int64, targetBatchID: Int64?, batch: BatchSpec) {
        self.stagingBatchID = stagingBatchID
        self.targetBatchID = targetBatchID
        self.batch = batch
    }
}
