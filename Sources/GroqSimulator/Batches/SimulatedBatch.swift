import Foundation

/// A file the simulated `/files` endpoint holds: an upload, or a batch's output or error file.
struct SimulatedFile: Sendable {
    var id: String
    var filename: String
    var purpose: String
    var bytes: [UInt8]
    var createdAt: Double

    var json: [String: Any] {
        ["id": id, "object": "file", "bytes": bytes.count, "created_at": Int(createdAt), "filename": filename, "purpose": purpose]
    }
}

/// One simulated batch and its place in Groq's status machine: validating → in_progress → finalizing →
/// completed, or failed (bad input), expired (the window ran out; finished lines are kept), cancelling →
/// cancelled.
struct SimulatedBatch: Sendable {
    /// One input line, answered when the batch reaches it.
    struct Line: Sendable {
        var customID: String
        var body: [UInt8]
    }

    var id: String
    var inputFileID: String
    var endpoint: String
    var completionWindow: String
    var metadata: [String: String]
    var status = "validating"
    var lines: [Line] = []
    /// Why the batch fails validation: each refusal's code and message.
    var errors: [(code: String, message: String)] = []
    var createdAt: Double
    var inProgressAt: Double?
    var finalizingAt: Double?
    var completedAt: Double?
    var failedAt: Double?
    var expiredAt: Double?
    var cancellingAt: Double?
    var cancelledAt: Double?
    var expiresAt: Double
    /// Lines finished when the batch stopped (completed, expired or cancelled).
    var finished = 0
    var completedCount = 0
    var failedCount = 0
    var outputFileID: String?
    var errorFileID: String?

    var json: [String: Any] {
        let time = { (value: Double?) -> Any in value.map { Int($0) } ?? NSNull() }
        return [
            "id": id, "object": "batch", "endpoint": endpoint, "input_file_id": inputFileID,
            "completion_window": completionWindow, "status": status,
            "errors": errors.isEmpty ? NSNull() : ["object": "list", "data": errors.map { ["code": $0.code, "message": $0.message] }] as Any,
            "output_file_id": outputFileID ?? NSNull(), "error_file_id": errorFileID ?? NSNull(),
            "created_at": Int(createdAt), "in_progress_at": time(inProgressAt), "expires_at": Int(expiresAt),
            "finalizing_at": time(finalizingAt), "completed_at": time(completedAt), "failed_at": time(failedAt),
            "expired_at": time(expiredAt), "cancelling_at": time(cancellingAt), "cancelled_at": time(cancelledAt),
            "request_counts": ["total": lines.count, "completed": completedCount, "failed": failedCount],
            "metadata": metadata.isEmpty ? NSNull() : metadata as Any,
        ]
    }

    /// `24h` or `7d` in hours; nil for anything else.
    static func windowHours(_ text: String) -> Double? {
        if text.hasSuffix("h"), let hours = Double(text.dropLast()), hours >= 24, hours <= 168 { return hours }
        if text.hasSuffix("d"), let days = Double(text.dropLast()), days >= 1, days <= 7 { return days * 24 }
        return nil
    }
}
