/// A chunk of job lines, the problems its source found on those lines, and each line's input row.
public struct SourceChunk: Sendable {
    public var lines: LineChunk
    public var issues: [ImportIssue] = []
    /// The input row (a JSON object) each job line was rendered from, by line number.
    public var inputs: [Int: String] = [:]

    public init(lines: LineChunk, issues: [ImportIssue] = [], inputs: [Int: String] = [:]) {
        self.lines = lines
        self.issues = issues
        self.inputs = inputs
    }
}
