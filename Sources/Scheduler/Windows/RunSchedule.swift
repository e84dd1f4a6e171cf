import Foundation

/// The daily windows a worker claims in (`work --window`, repeatable), read on the clock of one time zone.
///
/// Each window is placed on real days through the zone's calendar, so a window keeps its wall-clock times
/// across a daylight-saving change: a start inside a skipped hour moves to the first time that exists,
/// and in a repeated hour the earlier of the two instants counts.
public struct RunSchedule: Sendable, CustomStringConvertible {
    /// Whether claiming is allowed at an instant, and until when that holds.
    public enum State: Sendable, Equatable {
        /// Inside a window that closes at this instant (overlapping and touching windows merged).
        case open(until: Date)
        /// Outside every window; the next one opens at this instant.
        case closed(opensAt: Date)
    }

    public var windows: [RunWindow]
    public var timeZone: TimeZone

    public init(windows: [RunWindow], timeZone: TimeZone = .current) {
        precondition(!windows.isEmpty, "a schedule needs at least one window")
        self.windows = windows
        self.timeZone = timeZone
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The state at `date`.
    public func state(at date: Date) -> State {
        let intervals = self.intervals(around: date)
        guard var until = intervals.first(where: { $0.start <= date && date < $0.end })?.end else {
            let opens = intervals.map(\.start).filter { $0 > date }.min()
            // Windows are daily, so one always opens within the next two days.
            return .closed(opensAt: opens ?? date.addingTimeInterval(86_400))
        }
        // Touching or overlapping windows make one stretch.
        while let next = intervals.first(where: { $0.start <= until && until < $0.end }) { until = next.end }
        return .open(until: until)
    }

    /// Whether `date` is inside a window.
    public func isOpen(at date: Date) -> Bool {
        if case .open = state(at: date) { return true }
        return false
    }

    /// Every window placed on the days from the day before `date` to two days after it, in the zone.
    func intervals(around date: Date) -> [DateInterval] {
        let calendar = self.calendar
        let today = calendar.startOfDay(for: date)
        var result: [DateInterval] = []
        for offset in -1...2 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            for window in windows {
                guard let start = place(window.start, on: day, calendar),
                    let endDay = window.crossesMidnight ? calendar.date(byAdding: .day, value: 1, to: day) : day,
                    let end = place(window.end, on: endDay, calendar),
                    end > start
                else { continue }
                result.append(DateInterval(start: start, end: end))
            }
        }
        return result.sorted { $0.start < $1.start }
    }

    /// The instant a wall-clock time names on a day in the zone; `24:00` is the next day's midnight.
    func place(_ time: ClockTime, on day: Date, _ calendar: Calendar) -> Date? {
        if time.hour == 24 { return calendar.date(byAdding: .day, value: 1, to: day).map { calendar.startOfDay(for: $0) } }
        return calendar.date(
            bySettingHour: time.hour, minute: time.minute, second: time.second, of: day,
            matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
    }

    public var description: String {
        windows.map(\.description).joined(separator: ", ") + " (\(timeZone.identifier))"
    }
}
