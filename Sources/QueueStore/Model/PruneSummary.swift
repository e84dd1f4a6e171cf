/// What `prune` removed (or, in a dry run, would remove).
public struct PruneSummary: Sendable, Equatable {
    /// The batches, by name.
    public var batches: [String] = []
    /// Their jobs, with each job's attempts and result.
    public var jobs = 0
    /// Transactions used: each holds the write lock only for one slice.
    public var transactions = 0
    /// Finished batches kept because a remote batch of theirs is still open: its record is all a worker
    /// has to cancel it at the provider (which bills it while it runs) or to collect it.
    public var kept: [KeptForRemote] = []

    public init() {}

    /// A finished batch `prune` kept, and the open remote batch that kept it.
    public struct KeptForRemote: Sendable, Equatable {
        /// The batch, by name.
        public var batch: String
        /// groqbatch's name for the remote batch (`gb-...`).
        public var localID: String
        /// The provider's batch id, once created.
        public var remoteBatchID: String?
        /// Where the remote batch is.
        public var state: RemoteBatchState
        /// The provider's base URL it runs at.
        public var provider: String

        public init(batch: String, localID: String, remoteBatchID: String?, state: RemoteBatchState, provider: String) {
            self.batch = batch
            self.localID = localID
            self.remoteBatchID = remoteBatchID
            self.state = state
            self.provider = provider
        }
    }
}
