import Foundation
import Synchronization

/// The one line a terminal shows below the log: the worker's progress, redrawn in place.
///
/// Everything written to standard error while it is drawn goes through here, so a log line first clears
/// the status line (`\r` and erase to the end of the line), is written whole, and the status line is drawn
/// again beneath it. Without that, log lines would start in the middle of the progress line.
final class TerminalStatusLine: Sendable {
    private let current = Mutex<String?>(nil)
    private let write: @Sendable (String) -> Void

    /// `write` receives every piece of text for the terminal, in order (standard error by default).
    init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.write = write
    }

    static let clear = "\r\u{1B}[K"

    /// Replaces the status line.
    func show(_ line: String) {
        current.withLock { current in
            current = line
            write(Self.clear + line)
        }
    }

    /// Writes `text` (whole lines) above the status line.
    func printAbove(_ text: String) {
        current.withLock { current in
            guard let line = current else { return write(text) }
            write(Self.clear + text + line)
        }
    }

    /// Leaves the last status line on the screen and moves below it.
    func finish() {
        current.withLock { current in
            if current != nil { write("\n") }
            current = nil
        }
    }

    /// A stream for swift-log's `StreamLogHandler` that writes above the status line.
    var logStream: some TextOutputStream & Sendable { LogStream(statusLine: self) }

    struct LogStream: TextOutputStream, Sendable {
        let statusLine: TerminalStatusLine
        mutating func write(_ string: String) { statusLine.printAbove(string) }
    }
}
