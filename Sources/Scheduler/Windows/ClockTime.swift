/// A time of day on a wall clock, `HH:MM` or `HH:MM:SS`, without a date or a zone; `24:00` is the end of a day.
public struct ClockTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0...24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
            hour < 24 || (minute == 0 && second == 0)
        else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Reads `H:MM`, `HH:MM` or `HH:MM:SS`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), (1...2).contains(parts[0].count), parts.dropFirst().allSatisfy({ $0.count == 2 }),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute, second: parts.count == 3 ? Int(parts[2]) ?? -1 : 0)
    }

    /// Seconds since midnight.
    public var secondsOfDay: Int { hour * 3600 + minute * 60 + second }

    public var description: String {
        let base = "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
        return second == 0 ? base : base + ":\(second < 10 ? "0" : "")\(second)"
    }

    public static func < (lhs: ClockTime, rhs: ClockTime) -> Bool { lhs.secondsOfDay < rhs.secondsOfDay }
}
