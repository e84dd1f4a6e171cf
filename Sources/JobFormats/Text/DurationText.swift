/// A length of time as people read it in a log or a table: `45s`, `3m12s`, `2h5m`.
public enum DurationText {
    public static func short(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(total % 60)s" }
        return "\(total / 3600)h\(total / 60 % 60)m"
    }
}
