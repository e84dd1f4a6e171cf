import Foundation

/// What the jobs a remote batch left unanswered (it expired, or the provider cancelled it) do next:
/// `import --if-remote-expires`.
public enum RemoteExpiryPolicy: String, Sendable, CaseIterable, Equatable {
    /// Into a new remote batch while the deadline leaves room for a whole window; on demand when not.
    case requeue
    /// On-demand calls at once: full price, within the on-demand limits.
    case onDemand = "on-demand"
    /// Failed, with the remote batch's reason.
    case fail

    /// The shortest completion window the Batch API takes, in seconds.
    public static let shortestWindow: TimeInterval = 24 * 3600

    /// Where a job goes back to the queue for: the next remote batch, or on-demand calls.
    public enum Requeue: Sendable, Equatable {
        case nextRemoteBatch
        case onDemand
    }

    /// Where a job this policy sends back goes, given its batch's deadline. (`fail` decides for
    /// leftovers only; a line that failed for the provider's sake goes back as `requeue` would.)
    public func requeue(deadline: Double?, now: Double) -> Requeue {
        switch self {
        case .onDemand: return .onDemand
        case .requeue, .fail:
            guard let deadline else { return .nextRemoteBatch }
            return deadline - now >= Self.shortestWindow ? .nextRemoteBatch : .onDemand
        }
    }
}
