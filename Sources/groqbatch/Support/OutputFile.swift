import Foundation

/// Buffered text output to standard output or to a file written beside its destination and renamed
/// into place on `commit()`, so a reader never sees half an export.
final class OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    private let destination: String?
    private let temporary: String?

    init(path: String?) throws {
        guard let path else {
            handle = fdopen(dup(1), "w")!
            destination = nil
            temporary = nil
            return
        }
        let temporaryPath = path + ".partial-\(getpid())"
        guard let file = fopen(temporaryPath, "w") else {
            throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        handle = file
        destination = path
        temporary = temporaryPath
    }

    func writeLine(_ line: String) throws {
        var text = line
        text.append("\n")
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, handle) }
        if written != text.utf8.count {
            throw CommandFailure("\(destination ?? "standard output"): write failed: \(String(cString: strerror(errno)))")
        }
    }

    func commit() throws {
        if fflush(handle) != 0 || fclose(handle) != 0 {
            throw CommandFailure("\(destination ?? "standard output"): write failed: \(String(cString: strerror(errno)))")
        }
        if let temporary, let destination, rename(temporary, destination) != 0 {
            throw CommandFailure("\(destination): cannot replace: \(String(cString: strerror(errno)))")
        }
    }

    func abandon() {
        fclose(handle)
        if let temporary { unlink(temporary) }
    }
}
