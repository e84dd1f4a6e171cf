import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A file at the provider (`/files`): an uploaded batch input, or a batch's output or error file.
public struct RemoteFile: Sendable, Equatable, Decodable {
    public var id: String
    public var bytes: Int?
    public var filename: String?
    public var purpose: String?
    public var createdAt: Int?

    enum CodingKeys: String, CodingKey {
        case id, bytes, filename, purpose
        case createdAt = "created_at"
    }
}

/// A batch at the provider (`/batches`), in the status machine Groq shares with OpenAI.
public struct RemoteBatch: Sendable, Equatable, Decodable {
    public struct Counts: Sendable, Equatable, Decodable {
        public var total: Int
        public var completed: Int
        public var failed: Int
    }

    public var id: String
    public var status: String
    public var inputFileID: String
    public var outputFileID: String?
    public var errorFileID: String?
    public var completionWindow: String?
    public var createdAt: Int?
    public var expiresAt: Int?
    public var requestCounts: Counts?
    public var metadata: [String: String]?

    /// No more change will come: the output and error files are final.
    public var isFinal: Bool { ["completed", "failed", "expired", "cancelled"].contains(status) }

    enum CodingKeys: String, CodingKey {
        case id, status, metadata
        case inputFileID = "input_file_id"
        case outputFileID = "output_file_id"
        case errorFileID = "error_file_id"
        case completionWindow = "completion_window"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case requestCounts = "request_counts"
    }
}

extension GroqClient {
    /// Uploads a Batch API input file (`POST /files`, purpose `batch`) under `filename`, which the caller
    /// can look for in `files()` after a crash to learn whether an upload arrived.
    public func uploadBatchFile(filename: String, content: [UInt8]) async throws(ChatFailure) -> RemoteFile {
        let boundary = "groqbatch-" + UUID().uuidString
        var body = ByteBuffer()
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/jsonl\r\n\r\n")
        body.writeBytes(content)
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await call("POST", "/files", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// Every file the provider holds for this key (`GET /files`).
    public func files() async throws(ChatFailure) -> [RemoteFile] {
        let list: RemoteList<RemoteFile> = try await call("GET", "/files")
        return list.data
    }

    /// Creates a batch over an uploaded file (`POST /batches`); `metadata` is returned with it, so a
    /// caller can recognise its own batch in `batches()` after a crash.
    public func createBatch(inputFileID: String, completionWindow: String, metadata: [String: String]) async throws(ChatFailure) -> RemoteBatch {
        let object: [String: Any] = [
            "input_file_id": inputFileID, "endpoint": "/v1/chat/completions", "completion_window": completionWindow, "metadata": metadata,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return try await call("POST", "/batches", body: ByteBuffer(data: data), contentType: "application/json")
    }

    public func batch(id: String) async throws(ChatFailure) -> RemoteBatch {
        try await call("GET", "/batches/\(id)")
    }

    public func batches() async throws(ChatFailure) -> [RemoteBatch] {
        let list: RemoteList<RemoteBatch> = try await call("GET", "/batches")
        return list.data
    }

    public func cancelBatch(id: String) async throws(ChatFailure) -> RemoteBatch {
        try await call("POST", "/batches/\(id)/cancel")
    }

    /// A file's bytes (`GET /files/{id}/content`), up to 256 MB.
    public func fileContent(id: String) async throws(ChatFailure) -> [UInt8] {
        let (status, bytes, headers) = try await exchange("GET", "/files/\(id)/content", limit: 256 << 20)
        guard status == 200 else {
            throw httpFailure(status: status, body: String(buffer: bytes), headers: headers, rateLimits: RateLimitHeaders(headers))
        }
        return Array(buffer: bytes)
    }

    struct RemoteList<Item: Decodable>: Decodable {
        var data: [Item]
    }

    func call<Answer: Decodable>(_ method: String, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil) async throws(ChatFailure) -> Answer {
        let (status, bytes, headers) = try await exchange(method, path, body: body, contentType: contentType, limit: Self.maxBodyBytes)
        guard status == 200 else {
            throw httpFailure(status: status, body: String(buffer: bytes), headers: headers, rateLimits: RateLimitHeaders(headers))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
        } catch {
            throw ChatFailure(outcomeClass: .retry, httpStatus: status, code: "invalid_response", message: "\(method) \(path): not the expected JSON: \(Self.snippet(String(buffer: bytes)))")
        }
    }

    func exchange(
        _ method: String, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil, limit: Int
    ) async throws(ChatFailure) -> (Int, ByteBuffer, HTTPHeaders) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.secret)")
        request.headers.add(name: "User-Agent", value: "groqbatch")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(body) }
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(configuration.requestTimeout * 1000)))
            return (Int(response.status.code), try await response.body.collect(upTo: limit), response.headers)
        } catch {
            throw transportFailure(error)
        }
    }
}
