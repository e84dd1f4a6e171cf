/// A worker acted on a remote batch it no longer holds: its lease ran out and another worker took it.
/// Nothing was changed; the worker drops the remote batch and lets the holder drive it.
public struct RemoteLeaseLost: Error, CustomStringConvertible {
    public var localID: String

    public init(localID: String) {
        self.localID = localID
    }
    public var description: String { "remote batch \(localID) is driven by another worker now (this worker's lease ran out)" }
}
