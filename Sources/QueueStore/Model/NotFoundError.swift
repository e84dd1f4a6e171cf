/// A batch or job named on the command line that the queue does not hold.
public struct NotFoundError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
