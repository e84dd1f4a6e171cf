import NIOCore

/// A stream of buffers between a head and a tail: a multipart body around a file's lines.
struct Enveloped<Lines: AsyncSequence & Sendable>: AsyncSequence, Sendable where Lines.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let head: ByteBuffer
    let lines: Lines
    let tail: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var head: ByteBuffer?
        var lines: Lines.AsyncIterator
        var tail: ByteBuffer?

        mutating func next() async throws -> ByteBuffer? {
            if let first = head {
                head = nil
                return first
            }
            if let line = try await lines.next() { return line }
            defer { tail = nil }
            return tail
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(head: head, lines: lines.makeAsyncIterator(), tail: tail) }
}
