import Foundation
import GRDBSQLite

/// What `sqlite3 DB 'SQL' ...` prints, computed in this process with SQLite's own C API.
///
/// The tests read their queues as a user would, with the `sqlite3` shell's default output (rows as
/// `a|b`, NULL as nothing, each value as SQLite renders it as text). Spawning the shell for each of
/// those reads blocked one of the two threads of Swift's cooperative pool for the child's whole life
/// (tens of milliseconds on a loaded machine, polled every 100 ms by several tests at once), and the
/// in-process simulators and workers other tests ran on those threads fell seconds behind. The same
/// statements run here through SQLite's library (the shell's own `sqlite3_column_text` rendering)
/// in well under a millisecond.
///
/// Arguments the shell takes that this does not (options, dot commands other than `.timeout`,
/// scripts on standard input) run the real `sqlite3`.
public enum SQLiteShell {
    public static func run(_ arguments: [String], input: String? = nil, directory: String? = nil) throws -> CommandRun {
        guard input == nil, let database = arguments.first, !database.hasPrefix("-"), arguments.count >= 2,
            arguments.dropFirst().allSatisfy({ !$0.hasPrefix(".") || timeout(in: $0) != nil })
        else {
            return try CommandRun.run("/usr/bin/sqlite3", arguments, input: input, directory: directory)
        }
        let path = database.hasPrefix("/") || directory == nil ? database : directory! + "/" + database
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let connection else {
            return CommandRun(status: 1, stdout: "", stderr: "Error: unable to open database \"\(path)\"\n")
        }
        // The shell waits for no lock; a test's read beside a worker's write waits a moment instead of failing.
        sqlite3_busy_timeout(connection, 5_000)
        var output = ""
        for argument in arguments.dropFirst() {
            if let milliseconds = timeout(in: argument) {
                sqlite3_busy_timeout(connection, milliseconds)
                continue
            }
            if let message = execute(argument, on: connection, into: &output) {
                return CommandRun(status: 1, stdout: output, stderr: "Error: \(message)\n")
            }
        }
        return CommandRun(status: 0, stdout: output, stderr: "")
    }

    /// The milliseconds of a `.timeout N` argument.
    static func timeout(in argument: String) -> Int32? {
        let words = argument.split(separator: " ")
        guard words.count == 2, words[0] == ".timeout" else { return nil }
        return Int32(words[1])
    }

    /// Runs each statement of `sql` in turn, appending its rows; returns SQLite's message on an error.
    static func execute(_ sql: String, on connection: OpaquePointer, into output: inout String) -> String? {
        var bytes = Array(sql.utf8CString)
        return bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            var next: UnsafePointer<CChar>? = UnsafePointer(buffer.baseAddress!)
            while let remaining = next, remaining.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                guard sqlite3_prepare_v2(connection, remaining, -1, &statement, &tail) == SQLITE_OK else {
                    return String(cString: sqlite3_errmsg(connection))
                }
                next = tail
                // Only whitespace or a comment was left.
                guard let statement else { continue }
                defer { sqlite3_finalize(statement) }
                while true {
                    let step = sqlite3_step(statement)
                    if step == SQLITE_DONE { break }
                    guard step == SQLITE_ROW else { return String(cString: sqlite3_errmsg(connection)) }
                    let columns = (0..<sqlite3_column_count(statement)).map { column in
                        sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
                    }
                    output += columns.joined(separator: "|") + "\n"
                }
            }
            return nil
        }
    }
}
