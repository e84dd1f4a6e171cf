import Foundation

/// A progress line redrawn in place on a terminal's standard error, at most a few times a second.
/// Off a terminal it prints nothing: logs and pipes get the final summary only.
struct ProgressLine {
    var label: String
    var enabled = Console.stderrIsTerminal
    var lastDraw = Date.distantPast
    var drawn = false

    init(label: String) {
        self.label = label
    }

    mutating func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        drawn = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(text())".utf8))
    }

    mutating func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
