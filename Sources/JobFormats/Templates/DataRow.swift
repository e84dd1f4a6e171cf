/// One row of a template import's data: its columns by name, their order, and the line it starts on.
public struct DataRow: Sendable, Equatable {
    /// The 1-based line of the data file the row starts on (a quoted field may span lines).
    public var line: Int
    public var values: [String: JSONValue]
    /// The column names in the order the file gives them.
    public var columns: [String]

    public init(line: Int, values: [String: JSONValue], columns: [String]) {
        self.line = line
        self.values = values
        self.columns = columns
    }

    /// The row as a JSON object, its columns in the file's order: what `export --with-input` gives back.
    public var inputJSON: String { JSONValue.orderedObjectString(values, keys: columns) }
}

/// Where a template import's rows come from: a CSV file or JSON lines.
public protocol DataRows: AnyObject {
    /// The file as the user named it.
    var file: String { get }
    /// The columns every row has, when the file declares them (a CSV header); nil for JSON lines.
    var header: [String]? { get }
    /// The next row, or the problem with it; nil at the end (or after a problem that stops reading).
    func next() -> Result<DataRow, ImportIssue>?
}
