/// Escapes and classes, ECMA's meaning in ICU's spelling.
extension ECMARegex {
    /// What an escape stands for: one character (a range may end there) or a set.
    enum Escaped {
        case scalar(Unicode.Scalar)
        /// Members in ICU class syntax; a negated one is written as a nested `[^...]` (ICU's union).
        case set(String, negated: Bool)

        var inClass: String {
            switch self {
            case .scalar(let scalar): ECMARegex.spelled(scalar)
            case .set(let members, let negated): negated ? "[^\(members)]" : members
            }
        }

        var standalone: String {
            switch self {
            case .scalar(let scalar): ECMARegex.spelled(scalar)
            case .set(let members, let negated): "[\(negated ? "^" : "")\(members)]"
            }
        }
    }

    /// `\...` outside a class (at the backslash): returns whether what it matched can be quantified.
    mutating func atomEscape() -> Bool? {
        index += 1
        guard let scalar = next else { return nil }
        switch scalar {
        case "b", "B":
            // ECMA's word boundary is between an ASCII word character and anything else.
            index += 1
            let word = "[\(Self.word)]"
            output +=
                scalar == "b"
                ? "(?:(?<=\(word))(?!\(word))|(?<!\(word))(?=\(word)))" : "(?:(?<=\(word))(?=\(word))|(?<!\(word))(?!\(word)))"
            return false
        case "1"..."9":
            var digits = ""
            while let digit = next, ("0"..."9").contains(digit) {
                digits.unicodeScalars.append(digit)
                index += 1
            }
            return reference(name: nil, number: Int(digits) ?? 0)
        case "k":
            index += 1
            guard next == "<" else { return nil }
            index += 1
            guard let name = groupName() else { return nil }
            return reference(name: name, number: 0)
        default:
            guard let escaped = escape(inClass: false) else { return nil }
            output += escaped.standalone
            return true
        }
    }

    private mutating func reference(name: String?, number: Int) -> Bool {
        output += "\u{0}ref\(references.count)\u{0}"
        references.append((name, number))
        return true
    }

    /// A class escape or a character escape (just past the backslash); nil when ECMA refuses it.
    mutating func escape(inClass: Bool) -> Escaped? {
        guard let scalar = next else { return nil }
        index += 1
        switch scalar {
        case "d", "D": return .set(Self.digit, negated: scalar == "D")
        case "w", "W": return .set(Self.word, negated: scalar == "W")
        case "s", "S": return .set(Self.space, negated: scalar == "S")
        case "p", "P":
            guard next == "{", let close = scalars[index...].firstIndex(of: "}") else { return nil }
            let name = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || $0 == "=") }) else { return nil }
            index = close + 1
            return .set(#"\p{"# + name + "}", negated: scalar == "P")
        case "t": return .scalar("\t")
        case "n": return .scalar("\n")
        case "v": return .scalar("\u{B}")
        case "f": return .scalar("\u{C}")
        case "r": return .scalar("\r")
        case "b" where inClass: return .scalar("\u{8}")
        case "-" where inClass: return .scalar("-")
        case "c":
            guard let letter = next, letter.isASCII, letter.properties.isAlphabetic else { return nil }
            index += 1
            return Unicode.Scalar(letter.value % 32).map { .scalar($0) }
        case "0":
            if let digit = next, ("0"..."9").contains(digit) { return nil }
            return .scalar("\u{0}")
        case "x":
            return hex(count: 2).flatMap(Unicode.Scalar.init).map { .scalar($0) }
        case "u":
            return unicodeEscape().map { .scalar($0) }
        default:
            // Identity escapes: only the syntax characters and `/`, as under the `u` flag.
            return #"^$\.*+?()[]{}|/"#.unicodeScalars.contains(scalar) ? .scalar(scalar) : nil
        }
    }

    /// `\uHHHH` (a surrogate pair written as two joins into one character) or `\u{H...}`.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        if next == "{" {
            guard let close = scalars[index...].firstIndex(of: "}"), close > index + 1 else { return nil }
            let digits = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
            index = close + 1
            return UInt32(digits, radix: 16).flatMap(Unicode.Scalar.init)
        }
        guard let high = hex(count: 4) else { return nil }
        if (0xD800...0xDBFF).contains(high), next == "\\", peek(1) == "u" {
            let saved = index
            index += 2
            if let low = hex(count: 4), (0xDC00...0xDFFF).contains(low) {
                return Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))
            }
            index = saved
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex(count: Int) -> UInt32? {
        guard index + count <= scalars.count else { return nil }
        let digits = String(String.UnicodeScalarView(scalars[index..<(index + count)]))
        guard digits.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }), let value = UInt32(digits, radix: 16) else { return nil }
        index += count
        return value
    }

    /// `[...]`, at its `[`: ranges between characters only; `[]` matches nothing and `[^]` anything.
    mutating func characterClass() -> Bool {
        index += 1
        let negated = next == "^"
        if negated { index += 1 }
        var members = ""
        while next != nil && next != "]" {
            guard let start = classAtom() else { return false }
            if next == "-", let after = peek(1), after != "]" {
                index += 1
                guard case .scalar(let low) = start, let end = classAtom(), case .scalar(let high) = end, low.value <= high.value else { return false }
                members += Self.spelled(low) + "-" + Self.spelled(high)
            } else {
                members += start.inClass
            }
        }
        guard next == "]" else { return false }
        index += 1
        let everything = #"\x{0}-\x{10ffff}"#
        output += members.isEmpty ? (negated ? "[\(everything)]" : "[^\(everything)]") : "[\(negated ? "^" : "")\(members)]"
        return true
    }

    private mutating func classAtom() -> Escaped? {
        guard let scalar = next else { return nil }
        if scalar == "\\" {
            index += 1
            return escape(inClass: true)
        }
        index += 1
        return .scalar(scalar)
    }
}
