/// What one import did.
public struct ImportSummary: Sendable, Equatable {
    public var batchName: String
    /// Jobs added by this import.
    public var inserted: Int
    /// Lines whose `custom_id` the batch already held from an earlier import; nothing was changed.
    public var alreadyPresent: Int

    public init(batchName: String, inserted: Int = 0, alreadyPresent: Int = 0) {
        self.batchName = batchName
        self.inserted = inserted
        self.alreadyPresent = alreadyPresent
    }
}
