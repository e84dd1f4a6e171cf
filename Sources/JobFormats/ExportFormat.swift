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
    public func header(_ columns: ExportColumns) -> String? {
        guard self == .csv else { return nil }
        let base = Self.csvHeader.split(separator: ",").map(String.init)
        return (base + columns.csvHeader(base: base)).map(Self.csvField).joined(separator: ",")
    }

    /// One row, without its line ending.
    public func line(for row: ExportRow) -> String {
        switch self {
        case .jsonl: Self.batchOutputLine(row)
        case .csv: Self.csvLine(row)
        }
    }

    /// One row with the extra columns: CSV cells after the usual ones; in JSONL, the input row as
    /// `"input"` (the Batch API form has no such key; readers of that form ignore it).
    public func line(for row: ExportRow, _ columns: ExportColumns) -> String {
        let line = line(for: row)
        if columns.isEmpty { return line }
        switch self {
        case .csv:
            return ([line] + columns.csvValues(row).map(Self.csvField)).joined(separator: ",")
        case .jsonl:
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

    static func csvLine(_ row: ExportRow) -> String {
        let error = row.effectiveError
        return [
            row.customID, row.status, row.model ?? "", row.content ?? "",
            row.promptTokens.map(String.init) ?? "", row.completionTokens.map(String.init) ?? "",
            row.totalTokens.map(String.init) ?? "", error?.code ?? "", error?.message ?? "",
        ].map(csvField).joined(separator: ",")
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func csvField(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
