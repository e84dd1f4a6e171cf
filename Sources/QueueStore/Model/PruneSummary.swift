/// What `prune` removed (or, in a dry run, would remove).
public struct PruneSummary: Sendable, Equatable {
    /// The batches, by name.
    public var batches: [String] = []
    /// Their jobs, with each job's attempts and result.
    public var jobs = 0
    /// Transactions used: each holds the write lock only for one slice.
    public var transactions = 0

    public init() {}
}
