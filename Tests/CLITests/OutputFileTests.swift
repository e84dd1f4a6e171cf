import Foundation
import TestSupport
import Testing

@testable import groqbatch

/// `export --output` writes to what it is given: a regular file is replaced atomically (through
/// symlinks, their target), anything else is written in place and stays what it was.
struct OutputFileTests {
    let directory = TemporaryDirectory("output-file")

    /// The kind of file at `path` itself (a link is a link): `S_IFIFO`, `S_IFLNK`, `S_IFREG`, ...
    func kind(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    func inode(_ path: String) -> ino_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_ino : nil
    }

    func write(_ lines: [String], to path: String) throws {
        let sink = try OutputFile(path: path)
        for line in lines { try sink.writeLine(line) }
        try sink.commit()
    }

    /// Files a write left behind in `folder`.
    func leftovers(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".partial-") }
    }

    @Test func aFIFOsReaderGetsTheWholeExportAndTheFIFOStays() throws {
        // A reader gone early must fail this test, not end the test process.
        signal(SIGPIPE, SIG_IGN)
        let fifo = directory.path("out.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // More than a pipe holds: the reader drains while the export writes.
        let lines = (1...20_000).map { "line \($0) of the export, written as it is made" }
        let expected = lines.map { $0 + "\n" }.joined()
        let reader = try FIFOReader(path: fifo, expected: expected.utf8.count, seconds: 60)
        try write(lines, to: fifo)
        #expect(String(decoding: reader.result(), as: UTF8.self) == expected)
        #expect(kind(fifo) == S_IFIFO)
        #expect(try leftovers(in: directory.url.path).isEmpty)
    }

    /// /dev/null through a link of the test's own, so that no regression can replace the real one.
    @Test func aDeviceIsWrittenInPlaceAndALinkToItStaysALink() throws {
        let link = directory.path("null")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
        try write(["discarded"], to: link)
        #expect(kind(link) == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "/dev/null")
        #expect(kind("/dev/null") == S_IFCHR)
        #expect(try leftovers(in: directory.url.path).isEmpty)
        #expect(try OutputFile.destination(of: "/dev/stdout").inPlace, "standard output, whatever it is")
    }

    @Test func aLinkStaysALinkAndItsTargetIsReplacedAtomicallyKeepingItsMode() throws {
        try FileManager.default.createDirectory(atPath: directory.path("sub"), withIntermediateDirectories: true)
        let target = directory.write("sub/target.csv", "old\n")
        #expect(chmod(target, 0o600) == 0)
        let before = try #require(inode(target))
        // Relative links, resolved against their own folder: out.csv -> hop -> sub/target.csv.
        try FileManager.default.createSymbolicLink(atPath: directory.path("hop"), withDestinationPath: "sub/target.csv")
        try FileManager.default.createSymbolicLink(atPath: directory.path("out.csv"), withDestinationPath: "hop")

        try write(["new", "content"], to: directory.path("out.csv"))
        #expect(kind(directory.path("out.csv")) == S_IFLNK && kind(directory.path("hop")) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\ncontent\n")
        #expect(inode(target) != before, "a new file renamed into place, not the old one rewritten")
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int == 0o600)
        #expect(try leftovers(in: directory.url.path) + leftovers(in: directory.path("sub")) == [])

        // An abandoned export leaves the target as it was.
        let abandoned = try OutputFile(path: directory.path("out.csv"))
        try abandoned.writeLine("half")
        abandoned.abandon()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\ncontent\n")
        #expect(try leftovers(in: directory.path("sub")) == [])

        // A link to a file not there yet: the file is made, the link kept.
        try FileManager.default.createSymbolicLink(atPath: directory.path("fresh.csv"), withDestinationPath: "sub/fresh.csv")
        try write(["made"], to: directory.path("fresh.csv"))
        #expect(kind(directory.path("fresh.csv")) == S_IFLNK)
        #expect(try String(contentsOfFile: directory.path("sub/fresh.csv"), encoding: .utf8) == "made\n")
    }
}

/// Reads a FIFO on a thread of its own until `expected` bytes and the end came, or `seconds` passed: a
/// writer that never opens the FIFO fails the test instead of hanging it.
final class FIFOReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(path: String, expected: Int, seconds: Double) throws {
        // Non-blocking: the open returns at once, and a writer's open then finds a reader.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw CocoaError(.fileReadNoPermission) }
        Thread.detachNewThread { [self] in
            defer {
                close(descriptor)
                done.signal()
            }
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while Date() < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 100)
                let count = read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    lock.withLock { data.append(contentsOf: buffer[0..<count]) }
                } else if count == 0 {
                    // No writer: not yet, or done.
                    if lock.withLock({ data.count }) >= expected { return }
                    usleep(10_000)
                }
            }
        }
    }

    /// What was read, once the reader has finished.
    func result() -> Data {
        done.wait()
        return lock.withLock { data }
    }
}
