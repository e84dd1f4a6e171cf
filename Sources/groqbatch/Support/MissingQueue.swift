import Foundation

/// A SQLite queue that is not where a command was told to look: the path, how to create one, and the
/// queues in the same folder the user may have meant (a mistyped `--db` is the usual cause).
struct MissingQueue: CustomStringConvertible {
    var path: String
    /// Whether the command takes `--create` (copy's source, for one, must exist).
    var creatable = true

    var description: String {
        let nearby = Self.queues(near: path)
        let hint = nearby.isEmpty ? "" : "; SQLite files there: \(nearby.joined(separator: ", "))"
        return "no queue at \(path) (init or import creates one\(creatable ? ", or add --create" : ""))\(hint)"
    }

    /// Up to five SQLite files in the folder of `path`, named as the user would type them.
    static func queues(near path: String) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.sorted().filter { name in
            ["sqlite", "sqlite3", "db"].contains((name as NSString).pathExtension) && isSQLite(folder.isEmpty ? name : folder + "/" + name)
        }.prefix(5).map { folder.isEmpty ? $0 : folder + "/" + $0 }
    }

    /// Whether the file starts with SQLite's header.
    static func isSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }
}
