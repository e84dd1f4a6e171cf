import Foundation

/// One line of the simulator's request log: what was asked and what was answered.
public struct RequestLogEntry: Sendable, Codable, Equatable {
    /// Seconds since the Unix epoch when the answer (or refusal) was decided.
    public var time: Double
    public var model: String?
    public var status: Int
    /// The error code answered, if any.
    public var code: String?
    /// The injected fault, if any.
    public var fault: String?
    /// On a 429: the limit that refused (RPM, RPD, TPM, TPD).
    public var limit: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Tokens reserved against TPM at admission (prompt + max_tokens).
    public var reservedTokens: Int?
    /// Prompt tokens read from the prefix cache (billed at half price, given back to TPM).
    public var cachedTokens: Int?
    /// FNV-1a 64 of the request body, hex: the same job resent shows the same hash.
    public var bodyHash: String
    public var requestID: String
    /// Seconds the simulated generation took (queue delay and generation), for a 200.
    public var latency: Double?
    /// For the Batch API: the call (`POST /files`, `GET /batches/{id}`, ...).
    public var endpoint: String?
    /// For the Batch API: the file or batch it named or made (a created file's id and name).
    public var resource: String?

    enum CodingKeys: String, CodingKey {
        case time, model, status, code, fault, limit, latency, endpoint, resource
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case reservedTokens = "reserved_tokens"
        case cachedTokens = "cached_tokens"
        case bodyHash = "body_hash"
        case requestID = "request_id"
    }
}

/// Appends entries to a JSONL file, one write per line, so a reader never sees half a line.
actor RequestLog {
    private let handle: FileHandle?
    private let encoder: JSONEncoder

    init(path: String?) throws {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let path else {
            handle = nil
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw SimulatorConfiguration.LoadError(description: "\(path): cannot create the request log")
            }
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw SimulatorConfiguration.LoadError(description: "\(path): cannot write the request log")
        }
        opened.seekToEndOfFile()
        handle = opened
    }

    func append(_ entry: RequestLogEntry) {
        guard let handle, var data = try? encoder.encode(entry) else { return }
        data.append(0x0A)
        handle.write(data)
    }

    func close() {
        try? handle?.close()
    }
}
