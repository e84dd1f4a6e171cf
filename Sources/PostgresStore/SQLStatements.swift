/// Splits a migration file into its statements: PostgreSQL's extended protocol (every query PostgresNIO
/// sends) takes one statement at a time. A `;` ends a statement unless it is inside a quoted string, a
/// quoted identifier, a dollar-quoted body or a comment; comments and blank text between statements go.
public enum SQLStatements {
    public static func split(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(sql)
        var index = 0
        /// The closing delimiter of the quoted text being read, if any.
        var quote: String?
        func flush() {
            let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty { statements.append(statement) }
            current = ""
        }
        func starts(_ text: String, at position: Int) -> Bool {
            let pattern = Array(text)
            return position + pattern.count <= characters.count && Array(characters[position..<(position + pattern.count)]) == pattern
        }
        while index < characters.count {
            let character = characters[index]
            if let closing = quote {
                if starts(closing, at: index) {
                    current += closing
                    index += closing.count
                    quote = nil
                } else {
                    current.append(character)
                    index += 1
                }
                continue
            }
            switch character {
            case "-" where starts("--", at: index):
                while index < characters.count, characters[index] != "\n" { index += 1 }
            case "/" where starts("/*", at: index):
                index += 2
                while index < characters.count, !starts("*/", at: index) { index += 1 }
                index += 2
            case "'", "\"":
                quote = String(character)
                current.append(character)
                index += 1
            case "$":
                // A dollar quote: $$ or $tag$.
                var end = index + 1
                while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
                if end < characters.count, characters[end] == "$" {
                    let tag = String(characters[index...end])
                    quote = tag
                    current += tag
                    index = end + 1
                } else {
                    current.append(character)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }
}
