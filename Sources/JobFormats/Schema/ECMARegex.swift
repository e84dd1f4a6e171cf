/// A schema's `pattern` is an ECMA-262 regular expression (JSON Schema says so; its `u` flag's code
/// points), but the engine at hand is ICU's (NSRegularExpression), whose meanings differ: `$` also
/// matches before a final newline, `\d`, `\w`, `\s` and `\b` are Unicode's, `.` stops at more line
/// terminators, and `[` inside a class opens a nested set. So a pattern is rewritten into ICU syntax
/// whose matching is ECMA's: each class escape spelled as the ECMA set, every literal as `\x{...}`, `$`
/// as the end of input. What ECMA refuses (with `u`) is refused, and so are escapes of letters that ECMA
/// does not define (`\Z`, `\A`, `\h`: an author means another dialect there, not the bare letter).
struct ECMARegex {
    let scalars: [Unicode.Scalar]
    var index = 0
    var output = ""
    var groups = 0
    var names: [String: Int] = [:]
    var references: [(name: String?, number: Int)] = []

    /// ICU's spelling of ECMA's sets (`[` `]` left out, for use inside a class too).
    static let digit = #"\x{30}-\x{39}"#
    static let word = #"\x{41}-\x{5a}\x{61}-\x{7a}\x{30}-\x{39}\x{5f}"#
    static let space = #"\x{9}-\x{d}\x{20}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}"#
    static let lineTerminator = #"\x{a}\x{d}\x{2028}\x{2029}"#

    /// The ICU pattern that matches as `pattern` does under ECMA-262, or nil when ECMA refuses it.
    static func icu(_ pattern: String) -> String? {
        var translator = ECMARegex(scalars: Array(pattern.unicodeScalars))
        guard translator.disjunction(), translator.index == translator.scalars.count else { return nil }
        // NSRegularExpression refuses an empty pattern; ECMA's matches everywhere, as an empty group does.
        return translator.output.isEmpty ? "(?:)" : translator.resolved()
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var next: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }

    /// Backreferences are written `(?:\N)` by number once every group is known (ECMA allows them
    /// before their group; a digit after them stays a literal).
    private func resolved() -> String? {
        var text = output
        for (offset, reference) in references.enumerated().reversed() {
            let number = reference.name.map { names[$0] ?? 0 } ?? reference.number
            guard number >= 1 && number <= groups else { return nil }
            text = text.replacingOccurrences(of: "\u{0}ref\(offset)\u{0}", with: #"(?:\\#(number))"#)
        }
        return text
    }

    /// Alternatives up to the end or a `)` (left for the caller).
    private mutating func disjunction() -> Bool {
        var quantifiable = false
        while let scalar = next, scalar != ")" {
            switch scalar {
            case "|":
                output += "|"
                index += 1
                quantifiable = false
            case "*", "+", "?":
                guard quantifiable, quantifier() else { return false }
                quantifiable = false
            case "{":
                if let end = braceQuantifierEnd() {
                    guard quantifiable, quantifier(through: end) else { return false }
                    quantifiable = false
                } else {
                    literal(scalar)
                    quantifiable = true
                }
            case "(":
                guard let assertion = group() else { return false }
                quantifiable = !assertion
            case "[":
                guard characterClass() else { return false }
                quantifiable = true
            case "^":
                output += "^"
                index += 1
                quantifiable = false
            case "$":
                output += #"\z"#
                index += 1
                quantifiable = false
            case ".":
                output += "[^\(Self.lineTerminator)]"
                index += 1
                quantifiable = true
            case "\\":
                guard let atom = atomEscape() else { return false }
                quantifiable = atom
            default:
                literal(scalar)
                quantifiable = true
            }
        }
        return true
    }

    /// `*`, `+`, `?` or a brace quantifier, with its lazy `?`; a second quantifier right after is refused.
    private mutating func quantifier(through end: Int? = nil) -> Bool {
        if let end {
            output += String(String.UnicodeScalarView(scalars[index...end]))
            index = end + 1
        } else {
            output.unicodeScalars.append(scalars[index])
            index += 1
        }
        if next == "?" {
            output += "?"
            index += 1
        }
        if let scalar = next, "*+?".unicodeScalars.contains(scalar) || (scalar == "{" && braceQuantifierEnd() != nil) { return false }
        return true
    }

    /// Where `{n}`, `{n,}` or `{n,m}` ends, if one starts here (else `{` is a literal, as Annex B has it).
    private func braceQuantifierEnd() -> Int? {
        var position = index + 1
        var numbers: [Int] = []
        var digits = ""
        while position < scalars.count {
            let scalar = scalars[position]
            if ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
            } else if scalar == "," && numbers.isEmpty && !digits.isEmpty {
                numbers.append(Int(digits) ?? Int.max)
                digits = ""
            } else if scalar == "}" {
                guard !(numbers.isEmpty && digits.isEmpty) else { return nil }
                if let last = Int(digits), let first = numbers.first, last < first { return nil }
                return position
            } else {
                return nil
            }
            position += 1
        }
        return nil
    }

    /// A group: returns whether it is an assertion (not quantifiable under `u`), nil when malformed.
    private mutating func group() -> Bool? {
        index += 1
        var assertion = false
        if next == "?" {
            switch (peek(1), peek(2)) {
            case ("=", _), ("!", _):
                output += "(?\(peek(1)!)"
                index += 2
                assertion = true
            case ("<", "="), ("<", "!"):
                output += "(?<\(peek(2)!)"
                index += 3
                assertion = true
            case (":", _):
                output += "(?:"
                index += 2
            case ("<", _):
                index += 2
                guard let name = groupName() else { return nil }
                groups += 1
                guard names[name] == nil else { return nil }
                names[name] = groups
                output += "("
            default:
                return nil
            }
        } else {
            groups += 1
            output += "("
        }
        guard disjunction(), next == ")" else { return nil }
        output += ")"
        index += 1
        return assertion
    }

    /// `name>` of `(?<name>` or `\k<name>`: ECMA's identifier characters.
    mutating func groupName() -> String? {
        var name = ""
        while let scalar = next, scalar != ">" {
            let allowed = scalar.properties.isIDContinue || scalar == "$" || scalar == "\u{200C}" || scalar == "\u{200D}"
            guard allowed, !name.isEmpty || scalar.properties.isIDStart || scalar == "$" || scalar == "_" else { return nil }
            name.unicodeScalars.append(scalar)
            index += 1
        }
        guard next == ">", !name.isEmpty else { return nil }
        index += 1
        return name
    }

    private mutating func literal(_ scalar: Unicode.Scalar) {
        output += Self.spelled(scalar)
        index += 1
    }

    /// Every literal as `\x{...}`: no character means anything to ICU then, in a class or out of one.
    static func spelled(_ scalar: Unicode.Scalar) -> String { #"\x{"# + String(scalar.value, radix: 16) + "}" }
}
