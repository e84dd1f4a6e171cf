import Foundation

/// Buffered text output to standard output or to a path.
///
/// A regular file (new or existing, named directly or through symlinks) is written beside itself (in
/// the folder of the link's target, so the rename never crosses file systems), synced, and renamed into
/// place on `commit()`, the folder synced after: a reader never sees half an export, and a crash leaves
/// the old file or the new one. A symlink stays a link; its target gets the content, and an existing
/// target keeps its permissions. Anything else (a FIFO, a character device such as /dev/null, a path
/// through /proc such as /dev/stdout, which is this process's own descriptor) is written in place:
/// renaming a file over it would cut its reader off and leave a regular file where it was.
final class OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    /// The path as given, for messages.
    private let name: String
    /// The temporary file and the file it replaces on `commit()`; nil when written in place.
    private let replacement: (temporary: String, destination: String)?
    private var closed = false

    init(path: String?) throws {
        guard let path else {
            handle = fdopen(dup(1), "w")!
            name = "standard output"
            replacement = nil
            return
        }
        name = path
        let target = try Self.destination(of: path)
        if target.inPlace {
            // No O_CREAT or O_TRUNC: the path exists and is not replaced. O_APPEND keeps what a shell's
            // `>>` gave /dev/stdout; a FIFO or a device has no position to keep.
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard descriptor >= 0, let file = fdopen(descriptor, "w") else {
                throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
            }
            handle = file
            replacement = nil
            return
        }
        let temporary = target.path + ".partial-\(getpid())"
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if descriptor < 0 && errno == EEXIST {
            // Left by an earlier process with this id: ours to replace, never followed if a link.
            unlink(temporary)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        }
        guard descriptor >= 0 else { throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))") }
        if let mode = target.mode { fchmod(descriptor, mode) }
        guard let file = fdopen(descriptor, "w") else {
            close(descriptor)
            unlink(temporary)
            throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        handle = file
        replacement = (temporary, target.path)
    }

    func write(_ text: String) throws {
        var text = text
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, handle) }
        if written != text.utf8.count { throw failure("write failed") }
    }

    func writeLine(_ line: String) throws {
        try write(line + "\n")
    }

    /// Flushes and closes; a replacement is synced, renamed over its destination, and its folder synced,
    /// so the new content survives a crash once `commit()` returns.
    func commit() throws {
        guard let replacement else {
            closed = true
            if fflush(handle) != 0 {
                let error = failure("write failed")
                fclose(handle)
                throw error
            }
            if fclose(handle) != 0 { throw failure("write failed") }
            return
        }
        if fflush(handle) != 0 || fsync(fileno(handle)) != 0 { throw failure("write failed") }
        closed = true
        if fclose(handle) != 0 { throw failure("write failed") }
        if rename(replacement.temporary, replacement.destination) != 0 {
            let error = CommandFailure("\(replacement.destination): cannot replace: \(String(cString: strerror(errno)))")
            unlink(replacement.temporary)
            throw error
        }
        let folder = open(Self.folder(of: replacement.destination), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return }
        defer { close(folder) }
        // EINVAL: the file system has no directory sync; the rename is then as durable as it can be.
        if fsync(folder) != 0 && errno != EINVAL { throw failure("cannot sync its folder") }
    }

    func abandon() {
        if !closed { fclose(handle) }
        closed = true
        if let replacement { unlink(replacement.temporary) }
    }

    private func failure(_ what: String) -> CommandFailure {
        CommandFailure("\(name): \(what): \(String(cString: strerror(errno)))")
    }

    /// Where `path` leads: the end of its chain of symlinks (relative links resolved against their own
    /// folder), written in place unless it is a regular file or does not exist yet; with the mode of
    /// an existing file, which its replacement keeps.
    static func destination(of path: String) throws -> (path: String, inPlace: Bool, mode: mode_t?) {
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG { return (path, true, nil) }
        var current = path
        for _ in 0..<40 {
            // /proc's links name descriptors ("pipe:[7]", "/a/file (deleted)"), not paths to rename over.
            if current.hasPrefix("/proc/") { return (path, true, nil) }
            guard lstat(current, &info) == 0 else {
                if errno == ENOENT { return (current, false, nil) }
                throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
            }
            guard info.st_mode & S_IFMT == S_IFLNK else {
                let regular = info.st_mode & S_IFMT == S_IFREG
                return (current, !regular, regular ? info.st_mode & 0o7777 : nil)
            }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else { throw CommandFailure("\(path): cannot write: \(String(cString: strerror(errno)))") }
            let link = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : folder(of: current) + "/" + link
        }
        throw CommandFailure("\(path): cannot write: \(String(cString: strerror(ELOOP)))")
    }

    /// The folder holding `path`: "." for a bare name.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
