import Foundation

/// A daily stretch of wall-clock time when a worker may claim jobs, such as `22:00-06:00`.
///
/// The start is inclusive and the end exclusive. An end at or before the start crosses midnight.
public struct RunWindow: Sendable, Hashable, CustomStringConvertible {
    public var start: ClockTime
    public var end: ClockTime

    public init?(start: ClockTime, end: ClockTime) {
        guard start != end, !(start.hour == 24) else { return nil }
        self.start = start
        self.end = end
    }

    /// Why a window could not be read.
    public struct ParseError: Error, CustomStringConvertible {
        public var text: String
        public var description: String {
            "cannot read window '\(text)'; expected START-END with times as HH:MM or HH:MM:SS, such as 22:00-06:00 (an end before the start crosses midnight)"
        }
    }

    /// Reads `START-END`, each `HH:MM` or `HH:MM:SS`.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = ClockTime(String(parts[0]).trimmingCharacters(in: .whitespaces)),
            let end = ClockTime(String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let window = RunWindow(start: start, end: end)
        else { throw ParseError(text: text) }
        self = window
    }

    /// Whether the window runs past midnight into the next day.
    public var crossesMidnight: Bool { end <= start }

    public var description: String { "\(start)-\(end)" }
}
