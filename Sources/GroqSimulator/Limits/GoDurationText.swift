/// Writes durations the way Go's `time.Duration` prints them, as Groq's headers and 429 bodies do:
/// `7.66s`, `2m59.56s`, `1h2m3s`, `320ms`.
enum GoDurationText {
    static func format(_ seconds: Double) -> String {
        if seconds <= 0 { return "0s" }
        if seconds < 1 {
            let milliseconds = (seconds * 1000 * 100).rounded() / 100
            return "\(trim(milliseconds))ms"
        }
        let centiseconds = Int((seconds * 100).rounded(.up))
        let hours = centiseconds / 360_000
        let minutes = (centiseconds / 6000) % 60
        let rest = Double(centiseconds % 6000) / 100
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        return text + "\(trim(rest))s"
    }

    /// `7.5` → "7.5", `7.0` → "7".
    static func trim(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
