import Foundation

/// A schema's `pattern`: found anywhere in the string (as Python's `re.search` and ECMA-262's `test`
/// do), not matched against the whole of it, with ECMA-262's meaning (`ECMARegex` rewrites it for ICU).
struct SchemaPattern {
    let expression: NSRegularExpression

    init?(_ pattern: String) {
        guard let translated = ECMARegex.icu(pattern), let expression = try? NSRegularExpression(pattern: translated) else { return nil }
        self.expression = expression
    }

    func isFound(in text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
