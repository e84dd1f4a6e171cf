import JobFormats
import Testing

/// `pattern` means what ECMA-262 says (JSON Schema's dialect), not what ICU or Python's `re` say: the
/// differential test cannot see these, since Python shares ICU's readings of `$`, `\d`, `\w`, `\s`, `\b`.
struct SchemaPatternECMATests {
    func found(_ pattern: String, in text: String) throws -> Bool {
        try JSONSchema(.object(["type": "string", "pattern": .string(pattern)])).accepts(.string(text))
    }

    @Test(arguments: [
        // `$` is the end of the input only, not before a final newline.
        (#"^[A-Z]+$"#, "ABC", true), (#"^[A-Z]+$"#, "ABC\n", false), (#"z$"#, "z\n", false), (#"^a"#, "x\na", false),
        // `\d` is [0-9]: not Arabic-Indic or full-width digits.
        (#"\d"#, "3", true), (#"\d"#, "\u{663}", false), (#"^\d+$"#, "１２", false), (#"^\D$"#, "\u{663}", true),
        // `\w` is [A-Za-z0-9_].
        (#"^\w+$"#, "a_Z9", true), (#"^\w+$"#, "naïve", false), (#"^\W$"#, "é", true),
        // `\s` is ECMA's WhiteSpace and LineTerminator: U+FEFF is one, NEL (U+0085) is not.
        (#"^\s$"#, "\u{FEFF}", true), (#"^\s$"#, "\u{A0}", true), (#"^\s$"#, "\u{2028}", true), (#"^\s$"#, "\u{85}", false),
        (#"^\S$"#, "\u{85}", true), (#"^[\s]$"#, "\u{FEFF}", true),
        // `.` stops only at \n, \r, U+2028, U+2029.
        (#"^.$"#, "\r", false), (#"^.$"#, "\u{2029}", false), (#"^.$"#, "\u{85}", true), (#"^.$"#, "\u{B}", true), (#"^.$"#, "😀", true),
        // `\b` is between an ASCII word character and anything else.
        (#"\bx\b"#, "éxé", true), (#"a\b"#, "aé", true), (#"a\B"#, "aé", false), (#"a\B"#, "ab", true),
        // Classes: `[` is a member, `&&` is no intersection, `[]` matches nothing and `[^]` anything.
        (#"^[[]$"#, "[", true), (#"^[a&&b]$"#, "&", true), (#"[]"#, "a", false), (#"^[^]$"#, "\n", true), (#"^[\d-]+$"#, "1-2", true),
        (#"^[^\D]$"#, "\u{663}", false), (#"^[^\D]$"#, "7", true), (#"^[\b]$"#, "\u{8}", true), (#"^[a-c]$"#, "b", true),
        // Character escapes, braces that are no quantifier, backreferences and named groups.
        (#"^\x41\u0042\u{43}\cJ$"#, "ABC\n", true), (#"^\uD83D\uDE00$"#, "😀", true), (#"^a{$"#, "a{", true), (#"^a{2}$"#, "aa", true),
        (#"^(a)\1$"#, "aa", true), (#"^(a)\1$"#, "ab", false), (#"^(?<x>b)\k<x>$"#, "bb", true),
        (#""#, "any", true), (#"a|"#, "b", true), (#"^a{,2}$"#, "a{,2}", true), (#"^a+?b$"#, "aab", true), (#"^(?:ab)+$"#, "abab", true),
        (#"(?<=a)b"#, "ab", true), (#"(?<!a)b"#, "ab", false),
    ])
    func patternsMatchAsECMA262Says(_ pattern: String, _ text: String, _ expected: Bool) throws {
        #expect(try found(pattern, in: text) == expected, "\(pattern) on \(text.debugDescription)")
    }

    /// What ECMA-262 (with JSON Schema's `u` flag) refuses, or where another dialect's meaning would be
    /// silently lost (`\Z`, `\A`, inline flags, possessive quantifiers), is refused when the schema is read.
    @Test(arguments: [
        #"\Z"#, #"\A"#, #"\e"#, #"\h"#, #"a**"#, #"a{2}{3}"#, #"a*+"#, #"(?i)a"#, #"(a"#, #"[a"#, #"[z-a]"#, #"\1"#, #"\k<y>"#, #"[\d-z]"#, #"^(a)\10$"#,
    ])
    func patternsECMARefusesAreRefused(_ pattern: String) {
        #expect(throws: SchemaProblem.self, "\(pattern)") {
            try JSONSchema(.object(["type": "string", "pattern": .string(pattern)]))
        }
    }
}
