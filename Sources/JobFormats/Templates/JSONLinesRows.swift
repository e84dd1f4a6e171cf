/// The rows of a JSON lines data file: one JSON object a line, its fields the columns (nested values
/// too, for sections). Blank lines are skipped.
public final class JSONLinesRows: DataRows {
    public let file: String
    public var header: [String]? { nil }
    private let reader: LineReader
    /// Set once the file cannot be read on (a directory, an I/O error): the error is reported once and
    /// reading stops, where asking again would fail again, forever.
    private var failed = false

    public init(path: String) throws(ImportIssue) {
        file = path
        do { reader = try LineReader(path: path) } catch {
            throw ImportIssue(file: path, line: 0, field: "file", message: "cannot read the data file: \(error.reason)")
        }
    }

    public func next() -> Result<DataRow, ImportIssue>? {
        while !failed {
            let next: (ArraySlice<UInt8>, Int)?
            do { next = try reader.nextLineCopy() } catch {
                failed = true
                let reason = (error as? LineReader.OpenError)?.reason ?? "\(error)"
                return .failure(ImportIssue(file: file, line: 0, field: "file", message: "cannot read the data file: \(reason)"))
            }
            guard let (bytes, line) = next else { return nil }
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
            guard let decoded = try? JSONValue.decodeKeepingKeyOrder(Array(bytes)), case .object(let members) = decoded.value else {
                return .failure(
                    ImportIssue(file: file, line: line, field: "line", message: "not a JSON object (each line of a data file is one row, as an object)"))
            }
            return .success(DataRow(line: line, values: members, columns: decoded.keys))
        }
        return nil
    }
}
