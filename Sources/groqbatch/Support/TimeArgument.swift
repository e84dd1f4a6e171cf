import Foundation
import Scheduler

/// A point in time given on the command line: `22:00` or `22:00:30` (the next such time in the local zone),
/// `2026-11-25 22:00` (local), or ISO 8601 with a zone (`2026-11-25T22:00:00Z`, `...+01:00`).
struct TimeArgument {
    var date: Date

    init?(_ text: String, now: Date = Date(), calendar: Calendar = .current) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let clock = Self.clockTime(trimmed) {
            var components = calendar.dateComponents([.year, .month, .day], from: now)
            components.hour = clock.hour
            components.minute = clock.minute
            components.second = clock.second
            guard let today = calendar.date(from: components) else { return nil }
            date = today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)!
            return
        }
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            iso.formatOptions = options
            if let parsed = iso.date(from: trimmed) {
                date = parsed
                return
            }
        }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = calendar.timeZone
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            local.dateFormat = format
            if let parsed = local.date(from: trimmed) {
                date = parsed
                return
            }
        }
        return nil
    }

    static func clockTime(_ text: String) -> (hour: Int, minute: Int, second: Int)? {
        guard let time = ClockTime(text) else { return nil }
        return (time.hour, time.minute, time.second)
    }

    static let help = "HH:MM (next such local time), 'YYYY-MM-DD HH:MM' (local) or ISO 8601 with a zone"
}
