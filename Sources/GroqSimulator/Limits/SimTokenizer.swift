/// The simulator's own token count. It is deliberately not characters/4, so a client's estimator has to
/// learn the ratio from `usage.prompt_tokens`, as it must with a real model's tokenizer.
///
/// A run of letters counts one token per six letters (rounded up), a run of digits one per three, every
/// other visible character one, white space nothing; each message adds four tokens of framing.
enum SimTokenizer {
    static func count(_ text: String) -> Int {
        var tokens = 0
        var letters = 0
        var digits = 0
        func flush() {
            tokens += (letters + 5) / 6 + (digits + 2) / 3
            letters = 0
            digits = 0
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic {
                if digits > 0 { flush() }
                letters += 1
            } else if ("0"..."9").contains(scalar) {
                if letters > 0 { flush() }
                digits += 1
            } else {
                flush()
                if !scalar.properties.isWhitespace { tokens += 1 }
            }
        }
        flush()
        return tokens
    }

    static let perMessage = 4
}
