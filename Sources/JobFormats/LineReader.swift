#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file or standard input one line at a time with a fixed-size buffer, so a file of any size
/// is read in flat memory. A UTF-8 byte order mark at the start (Excel and PowerShell write one) is
/// skipped: it is not part of the first line.
public final class LineReader {
    /// Why a file could not be read.
    public struct OpenError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot read: \(reason)" }
    }

    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    let path: String
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// Bytes read so far, for progress.
    public private(set) var bytesRead = 0
    /// Whether the start of the stream was looked at for a byte order mark.
    private var checkedByteOrderMark = false
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Opens `path`, or standard input for `-`.
    public init(path: String, bufferSize: Int = 1 << 20) throws(OpenError) {
        self.path = path
        if path == "-" {
            // A stream of our own on descriptor 0: the C `stdin` global is shared mutable state to Swift 6.
            guard let input = fdopen(0, "rb") else {
                throw OpenError(path: path, reason: String(cString: strerror(errno)))
            }
            file = input
            ownsFile = false
        } else {
            guard let opened = fopen(path, "rb") else {
                throw OpenError(path: path, reason: String(cString: strerror(errno)))
            }
            file = opened
            ownsFile = true
        }
        buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    deinit {
        if ownsFile { fclose(file) }
    }

    /// Lines handed out so far.
    private var lineNumber = 0

    /// Calls `body` with each line's bytes (without `\n` or `\r\n`) and its 1-based number.
    /// A line longer than the buffer grows the buffer for that line.
    public func forEachLine(_ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        while let (bytes, number) = try nextLine() { try body(bytes, number) }
    }

    /// The next lines, copied out of the buffer: at most `maxLines`, and no more once `maxBytes` are
    /// taken. Nil at the end of the input. A chunk can go to another task while this reader reads on.
    public func nextChunk(maxLines: Int, maxBytes: Int) throws -> LineChunk? {
        var chunk = LineChunk()
        while chunk.count < maxLines, chunk.bytes.count < maxBytes, let (bytes, number) = try nextLine() {
            chunk.append(bytes, number: number)
        }
        return chunk.count == 0 ? nil : chunk
    }

    /// The next line's bytes, copied out of the buffer, and its number; nil at the end.
    public func nextLineCopy() throws -> (ArraySlice<UInt8>, Int)? {
        guard let (bytes, number) = try nextLine() else { return nil }
        return (ArraySlice(Array(bytes)), number)
    }

    /// The next line's bytes (valid until the next call) and number, or nil at the end.
    private func nextLine() throws -> (ArraySlice<UInt8>, Int)? {
        while true {
            if !checkedByteOrderMark {
                if end - start < Self.byteOrderMark.count, !atEOF {
                    try refill()
                    continue
                }
                checkedByteOrderMark = true
                if buffer[start..<end].starts(with: Self.byteOrderMark) { start += Self.byteOrderMark.count }
            }
            if let newline = newlineIndex() {
                lineNumber += 1
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                start = newline + 1
                return (line, lineNumber)
            }
            if atEOF {
                guard start < end else { return nil }
                lineNumber += 1
                var lineEnd = end
                if buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                start = end
                return (line, lineNumber)
            }
            try refill()
        }
    }

    /// Where the next newline in the unread bytes is (memchr: several times faster than a loop).
    private func newlineIndex() -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBufferPointer { raw in
            memchr(raw.baseAddress! + start, 0x0A, end - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(raw.baseAddress!) }
        }
    }

    /// Moves the unread tail to the front and reads more, doubling the buffer when a line fills it.
    private func refill() throws(OpenError) {
        if start > 0 {
            let pending = end - start
            if pending > 0 {
                buffer.withUnsafeMutableBufferPointer { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, pending)
                }
            }
            start = 0
            end = pending
        }
        if end == buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            fread(raw.baseAddress! + end, 1, raw.count - end, file)
        }
        end += count
        bytesRead += count
        if count == 0 {
            if ferror(file) != 0 { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
            atEOF = true
        }
    }
}
