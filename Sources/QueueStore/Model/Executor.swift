/// What runs a batch's jobs (`import --via`, `batches.via`).
public enum Executor: String, Sendable, CaseIterable {
    /// Calls within the on-demand rate limits.
    case onDemand = "on-demand"
    /// The provider's Batch API: uploaded files run within a 24 h to 7 d window, at a discount.
    case batchAPI = "batch-api"
    /// On demand what the limits finish before the deadline, the Batch API for the rest.
    case auto
}
