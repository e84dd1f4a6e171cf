import Foundation

/// The export formats: the Batch API output form as JSONL, or CSV with one row per job.
public enum ExportFormat: String, Sendable, CaseIterable {
    case jsonl
    case csv

    /// The CSV header line.
    public static let csvHeader = "custom_id,status,model,content,prompt_tokens,completion_tokens,total_tokens,error_code,error"

    /// The header to write before the first row, if the format has one.
    public var header: String? {
        self == .csv ? Self.csvHeader : nil
    }

    /// The header with the extra columns, if the format has one.
    public func header(_ columns: ExportColumns, cells: CSVCells = .neutralized) -> String? {
        guard self == .csv else { return nil }
        let base = (columns.batch ? ["batch"] : []) + Self.csvHeader.split(separator: ",").map(String.init)
        return (base + columns.csvHeader(base: base)).map(cells.field).joined(separator: ",")
    }

    /// One row, without its line ending.
    public func line(for row: ExportRow) -> String {
        line(for: row, ExportColumns())
    }

    /// One row with the extra columns: CSV cells around the usual ones (`batch` first, the input row
    /// and fields after); in JSONL, the input row as `"input"` (the Batch API form has no such key;
    /// readers of that form ignore it). JSONL is JSON, never read as formulas: `cells` is for CSV.
    public func line(for row: ExportRow, _ columns: ExportColumns, cells: CSVCells = .neutralized) -> String {
        switch self {
        case .csv:
            let values = (columns.batch ? [row.batch ?? ""] : []) + Self.csvValues(row) + columns.csvValues(row)
            return values.map(cells.field).joined(separator: ",")
        case .jsonl:
            let line = Self.batchOutputLine(row)
            guard columns.withInput, let input = row.input else { return line }
            return String(line.dropLast()) + ",\"input\":" + input + "}"
        }
    }

    /// `{"id","custom_id","response":{"status_code","request_id","body"},"error":{"code","message"}}`.
    static func batchOutputLine(_ row: ExportRow) -> String {
        var line = BatchLine.Output(id: "batch_req_\(row.jobID)", customID: row.customID)
        if row.status == "succeeded", let raw = row.rawResponse {
            line.statusCode = 200
            line.requestID = row.requestID
            line.body = (try? JSONValue.decode(Data(raw.utf8))) ?? .string(raw)
        }
        if let error = row.effectiveError {
            line.errorCode = error.code
            line.errorMessage = error.message
        }
        return BatchLine.output(line)
    }

    /// The usual CSV cells, as text: `csvHeader`'s columns.
    static func csvValues(_ row: ExportRow) -> [String] {
        let error = row.effectiveError
        return [
            row.customID, row.status, row.model ?? "", row.content ?? "",
            row.promptTokens.map(String.init) ?? "", row.completionTokens.map(String.init) ?? "",
            row.totalTokens.map(String.init) ?? "", error?.code ?? "", error?.message ?? "",
        ]
    }
}
