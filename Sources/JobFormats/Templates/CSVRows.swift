import CSV
import Foundation

/// The rows of a CSV file (RFC 4180: quoted fields with commas, quotes and line breaks, CRLF or LF, a
/// header row, a UTF-8 byte order mark), read as a stream through CSV.swift, so memory stays flat.
/// Every row must have the header's number of fields; invalid UTF-8 stops the read with the line.
public final class CSVRows: DataRows {
    public let file: String
    public let header: [String]?
    private let reader: CSVReader
    private let columns: [String]
    /// The line the next row starts on.
    private var line: Int
    private var finished = false

    /// Opens `path` (`-` for standard input) and reads its header.
    public init(path: String, delimiter: UnicodeScalar = ",") throws(ImportIssue) {
        file = path
        var isDirectory: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ImportIssue(file: path, line: 0, field: "file", message: "cannot read the data file: it is a directory")
        }
        let stream = InputStream(fileAtPath: path == "-" ? "/dev/stdin" : path)
        guard let stream, FileManager.default.isReadableFile(atPath: path == "-" ? "/dev/stdin" : path) else {
            throw ImportIssue(file: path, line: 0, field: "file", message: "cannot read the data file")
        }
        do {
            reader = try CSVReader(stream: stream, codecType: UTF8.self, hasHeaderRow: true, trimFields: false, delimiter: delimiter)
        } catch CSVError.cannotReadHeaderRow {
            throw ImportIssue(file: path, line: 0, field: "file", message: "is empty: a CSV needs a header row naming the columns")
        } catch {
            throw ImportIssue(file: path, line: 1, field: "header", message: "cannot read the header row (\(error))")
        }
        if Self.isEncodingError(reader.error) {
            throw ImportIssue(file: path, line: 1, field: "header", message: "not valid UTF-8 (save the file as UTF-8)")
        }
        let names = reader.headerRow ?? []
        columns = names
        header = names
        line = 1 + Self.lineBreaks(in: names) + 1
        if let empty = names.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ImportIssue(file: path, line: 1, field: "header", message: "column \(empty + 1) has no name")
        }
        var seen: Set<String> = []
        if let repeated = names.first(where: { !seen.insert($0).inserted }) {
            throw ImportIssue(file: path, line: 1, field: "header", message: "the column '\(repeated)' appears twice")
        }
    }

    public func next() -> Result<DataRow, ImportIssue>? {
        while !finished {
            let start = line
            guard let fields = reader.next() else {
                finished = true
                // CSV.swift ends every stream with a read error (the stream says bytes are available at
                // its end); a decoding error is the one that means the file is wrong.
                if Self.isEncodingError(reader.error) {
                    return .failure(ImportIssue(file: file, line: start, field: "line", message: "not valid UTF-8 (save the file as UTF-8)"))
                }
                if case CSVError.streamErrorHasOccurred(let error)? = reader.error {
                    return .failure(ImportIssue(file: file, line: start, field: "file", message: "cannot read on: \(error)"))
                }
                return nil
            }
            if Self.isEncodingError(reader.error) {
                // The decoder stopped inside this row: what it returned is cut short.
                finished = true
                return .failure(ImportIssue(file: file, line: start, field: "line", message: "not valid UTF-8 (save the file as UTF-8)"))
            }
            line += 1 + Self.lineBreaks(in: fields)
            // A blank line is no row.
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == columns.count else {
                let relation = fields.count > columns.count ? "too many" : "too few"
                return .failure(
                    ImportIssue(
                        file: file, line: start, field: "line",
                        message:
                            "\(relation) fields: \(fields.count), where the header names \(columns.count) (a field with a comma or a line break must be quoted)"
                    ))
            }
            var values: [String: JSONValue] = [:]
            for (name, value) in zip(columns, fields) { values[name] = .string(value) }
            return .success(DataRow(line: start, values: values, columns: columns))
        }
        return nil
    }

    static func isEncodingError(_ error: (any Error)?) -> Bool {
        if case CSVError.unicodeDecoding? = error as? CSVError { return true }
        return false
    }

    /// Line breaks inside quoted fields: the next row starts that many lines further down.
    static func lineBreaks(in fields: [String]) -> Int {
        fields.reduce(0) { count, field in count + field.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } }
    }
}
