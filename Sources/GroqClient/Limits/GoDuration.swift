import Foundation

/// Parses durations in Go's `time.Duration` text form, as Groq writes them in headers and 429 bodies:
/// `7.66s`, `2m59.56s`, `1m0.36s`, `320ms`, `1h2m3s`, `12µs`, `0s`.
public enum GoDuration {
    /// Seconds, or nil when `text` is not a Go duration.
    public static func seconds(_ text: some StringProtocol) -> Double? {
        let characters = Array(text.trimmedOfWhitespace())
        guard !characters.isEmpty else { return nil }
        if characters == ["0"] { return 0 }
        var index = 0
        var total = 0.0
        func isNumeric(_ character: Character) -> Bool { character.isASCII && (character.isNumber || character == ".") }
        while index < characters.count {
            let numberStart = index
            while index < characters.count, isNumeric(characters[index]) { index += 1 }
            guard index > numberStart, let value = Double(String(characters[numberStart..<index])) else { return nil }
            let unitStart = index
            while index < characters.count, !isNumeric(characters[index]) { index += 1 }
            guard let factor = unitSeconds[String(characters[unitStart..<index])] else { return nil }
            total += value * factor
        }
        return total
    }

    static let unitSeconds: [String: Double] = [
        "h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9,
    ]
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    func trimmedOfWhitespace() -> String {
        String(self).trimmingCharacters(in: .whitespaces)
    }
}
