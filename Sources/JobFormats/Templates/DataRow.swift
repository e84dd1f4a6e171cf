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
