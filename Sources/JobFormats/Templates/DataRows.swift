/// Where a template import's rows come from: a CSV file or JSON lines.
public protocol DataRows: AnyObject {
    /// The file as the user named it.
    var file: String { get }
    /// The columns every row has, when the file declares them (a CSV header); nil for JSON lines.
    var header: [String]? { get }
    /// The next record: a row, or the problem with it (each result is one record of the file, so the
    /// records can be numbered); nil at the end (or after a problem that stops reading).
    func next() -> Result<DataRow, ImportIssue>?
}
