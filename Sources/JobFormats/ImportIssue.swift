/// One problem found in one line of an import file, printed as `FILE:LINE: field: what is wrong`.
public struct ImportIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the user named it (`-` for standard input).
    public var file: String
    /// The 1-based line number; 0 for a problem with the whole file.
    public var line: Int
    /// The field the problem is in, as a JSON path (`body.messages[0].content`), or `line` / `file`.
    public var field: String
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(file: String, line: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(field): \(message)" : "\(file): \(field): \(message)"
    }
}
