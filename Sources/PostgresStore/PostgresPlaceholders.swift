import NIOConcurrencyHelpers

/// Turns the `?` placeholders the shared statements are written with into PostgreSQL's `$n`: a plain
/// `?` takes the next number, `?NNN` keeps its own (SQLite's rules). Quoted text and identifiers are
/// left alone. Each statement text is translated once per process.
enum PostgresPlaceholders {
    private static let translated = NIOLockedValueBox<[String: String]>([:])

    static func translate(_ sql: String) -> String {
        if let known = translated.withLockedValue({ $0[sql] }) { return known }
        let result = rewrite(sql)
        translated.withLockedValue { $0[sql] = result }
        return result
    }

    static func rewrite(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var quote: Character?
        var characters = sql.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                output.append(character)
            case "?":
                var digits = ""
                while let digit = pending, digit.isASCII, digit.isNumber {
                    digits.append(digit)
                    pending = characters.next()
                }
                if digits.isEmpty {
                    output += "$\(next)"
                    next += 1
                } else {
                    output += "$" + digits
                    next = max(next, Int(digits)! + 1)
                }
            default:
                output.append(character)
            }
        }
        return output
    }
}
