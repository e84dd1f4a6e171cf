/// Where a remote batch is in groqbatch's own record of it (`remote_batches.state`): each step is
/// recorded before the next relies on it.
public enum RemoteBatchState: String, Sendable, CaseIterable {
    /// Its jobs are packed; the input file is not (known to be) uploaded.
    case preparing
    /// The input file is at the provider; the batch is not (known to be) created.
    case uploaded
    /// The provider runs it; it is polled.
    case submitted
    /// It ended at the provider; its answers are being written back.
    case collecting
    /// Closed: its jobs are answered, or back in the queue, or failed.
    case done
}
