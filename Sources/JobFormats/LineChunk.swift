/// A run of consecutive lines copied out of a `LineReader`, with their numbers: the unit an import
/// parses on one core while the next chunk is read and the last one written.
public struct LineChunk: Sendable {
    /// The lines' bytes, one after another.
    public private(set) var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var numbers: [Int] = []

    public init() {}

    public var count: Int { ends.count }

    mutating func append(_ line: ArraySlice<UInt8>, number: Int) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
        numbers.append(number)
    }

    /// Each line's bytes and 1-based number, in order.
    public func forEachLine(_ body: (ArraySlice<UInt8>, Int) throws -> Void) rethrows {
        var start = 0
        for index in ends.indices {
            try body(bytes[start..<ends[index]], numbers[index])
            start = ends[index]
        }
    }
}
