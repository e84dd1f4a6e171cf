import Foundation
import GroqClient

/// A point in the past given on the command line: an age (`30d`, `12h`, `1h30m`, `90s`) or a time
/// (`TimeArgument`; a bare clock time means its last occurrence, not the next).
struct AgeArgument {
    var date: Date

    init?(_ text: String, now: Date = Date()) {
        if text.hasSuffix("d"), let days = Double(text.dropLast()), days >= 0 {
            date = now.addingTimeInterval(-days * 86_400)
        } else if let seconds = GoDuration.seconds(text), seconds >= 0 {
            date = now.addingTimeInterval(-seconds)
        } else if let time = TimeArgument(text)?.date {
            date = time > now ? time.addingTimeInterval(-86_400) : time
        } else {
            return nil
        }
    }

    static let help = "an age (30d, 12h, 90m) or a time (\(TimeArgument.help))"
}
