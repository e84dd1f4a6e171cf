import Scheduler

/// What `models --refresh` changed.
public struct ModelRefresh: Sendable, Equatable {
    /// Listed now and not known before (neither in the catalog nor listed earlier).
    public var added: [String] = []
    /// Known before and no longer listed: now decommissioned.
    public var vanished: [String] = []
    public var listed = 0
}
