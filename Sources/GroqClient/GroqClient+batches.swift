import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension GroqClient {
    /// Uploads a Batch API input file (`POST /files`, purpose `batch`) under `filename`, which the caller
    /// can look for with `file(named:)` after a crash to learn whether an upload arrived.
    public func uploadBatchFile(filename: String, content: [UInt8]) async throws(ChatFailure) -> RemoteFile {
        try await uploadBatchFile(filename: filename, length: content.count, lines: BufferSequence(buffers: [ByteBuffer(bytes: content)]))
    }

    /// Uploads an input file of `length` bytes streamed from `lines` (buffers of whole lines), so a file
    /// of up to 200 MB is never held in memory. The deadline grows with the size: a minute, plus a
    /// second per megabyte.
    public func uploadBatchFile<Lines: AsyncSequence & Sendable>(
        filename: String, length: Int, lines: Lines
    ) async throws(ChatFailure) -> RemoteFile where Lines.Element == ByteBuffer {
        let boundary = "groqbatch-" + UUID().uuidString
        let head = ByteBuffer(
            string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/jsonl\r\n\r\n")
        let tail = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
        let total = head.readableBytes + length + tail.readableBytes
        let body = HTTPClientRequest.Body.stream(Enveloped(head: head, lines: lines, tail: tail), length: .known(Int64(total)))
        let (status, bytes, headers) = try await exchange(
            "POST", "/files", body: body, contentType: "multipart/form-data; boundary=\(boundary)", limit: Self.maxBodyBytes,
            seconds: Self.transferSeconds(bytes: total, base: configuration.requestTimeout))
        return try decoded(status, bytes, headers, "POST", "/files")
    }

    /// How long moving `bytes` may take: the request timeout, plus a second per megabyte (a slow
    /// uplink's pace), so a 200 MB input file is not cut off at the one-minute deadline of a chat call.
    public static func transferSeconds(bytes: Int, base: Double) -> Double {
        base + Double(bytes) / 1_000_000
    }

    /// Every file the provider holds for this key (`GET /files`, every page).
    public func files() async throws(ChatFailure) -> [RemoteFile] {
        var all: [RemoteFile] = []
        _ = try await firstListed("/files") { (file: RemoteFile) in
            all.append(file)
            return false
        }
        return all
    }

    /// The first file named `filename` (`GET /files`, page after page until it is found).
    public func file(named filename: String) async throws(ChatFailure) -> RemoteFile? {
        try await firstListed("/files") { (file: RemoteFile) in file.filename == filename }
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

    /// Every batch on the account (`GET /batches`, every page).
    public func batches() async throws(ChatFailure) -> [RemoteBatch] {
        var all: [RemoteBatch] = []
        _ = try await firstListed("/batches") { (batch: RemoteBatch) in
            all.append(batch)
            return false
        }
        return all
    }

    /// The first batch whose metadata has `key` = `value` (`GET /batches`, page after page until found).
    public func batch(metadata key: String, equals value: String) async throws(ChatFailure) -> RemoteBatch? {
        try await firstListed("/batches") { (batch: RemoteBatch) in batch.metadata?[key] == value }
    }

    /// Reads a list endpoint a page at a time, following `last_id` as `after` while `has_more`, until
    /// `matches` says an object is the one: a list's first page shows only the newest objects.
    func firstListed<Item: Decodable & Identified>(
        _ path: String, _ matches: (Item) -> Bool
    ) async throws(ChatFailure) -> Item? {
        var after: String?
        while true {
            var query = "?limit=\(Self.listPageSize)"
            if let after { query += "&after=" + (after.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? after) }
            let list: RemoteList<Item> = try await call("GET", path + query)
            if let found = list.data.first(where: matches) { return found }
            guard list.hasMore == true, let last = list.lastID ?? list.data.last?.id, last != after else { return nil }
            after = last
        }
    }

    /// Objects asked for per page of a list: OpenAI's largest for batches.
    static let listPageSize = 100

    public func cancelBatch(id: String) async throws(ChatFailure) -> RemoteBatch {
        try await call("POST", "/batches/\(id)/cancel")
    }

    /// The most a batch's output file holds (the input's 200 MB, answered).
    static let maxFileBytes = 256 << 20

    /// A file's bytes (`GET /files/{id}/content`), up to 256 MB.
    public func fileContent(id: String) async throws(ChatFailure) -> [UInt8] {
        let (status, bytes, headers) = try await exchange(
            "GET", "/files/\(id)/content", limit: Self.maxFileBytes,
            seconds: Self.transferSeconds(bytes: Self.maxFileBytes, base: configuration.requestTimeout))
        guard status == 200 else {
            throw httpFailure(status: status, body: String(buffer: bytes), headers: headers, rateLimits: RateLimitHeaders(headers))
        }
        return Array(buffer: bytes)
    }

    /// Calls `body` with each line of a file (`GET /files/{id}/content`) as it arrives, so an output
    /// file of any size is read in flat memory. A failure of the transfer throws a `ChatFailure`.
    public func forEachFileLine(id: String, _ body: ([UInt8]) async throws -> Void) async throws {
        var request = HTTPClientRequest(url: base + "/files/\(id)/content")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.secret)")
        request.headers.add(name: "User-Agent", value: "groqbatch")
        let seconds = Self.transferSeconds(bytes: Self.maxFileBytes, base: configuration.requestTimeout)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(seconds * 1000)))
        } catch {
            throw transportFailure(error)
        }
        guard response.status == .ok else {
            let bytes = (try? await response.body.collect(upTo: Self.maxBodyBytes)) ?? ByteBuffer()
            throw httpFailure(
                status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers, rateLimits: RateLimitHeaders(response.headers))
        }
        var pending: [UInt8] = []
        do {
            for try await chunk in response.body {
                pending.append(contentsOf: chunk.readableBytesView)
                var start = 0
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    if newline > start { try await body(Array(pending[start..<newline])) }
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
        } catch let failure as ChatFailure {
            throw failure
        } catch let error as HTTPClientError {
            throw transportFailure(error)
        }
        if !pending.isEmpty { try await body(pending) }
    }

    /// One page of a list endpoint.
    struct RemoteList<Item: Decodable>: Decodable {
        var data: [Item]
        var hasMore: Bool?
        var lastID: String?

        enum CodingKeys: String, CodingKey {
            case data
            case hasMore = "has_more"
            case lastID = "last_id"
        }
    }

    func call<Answer: Decodable>(_ method: String, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil) async throws(ChatFailure) -> Answer {
        let (status, bytes, headers) = try await exchange(
            method, path, body: body.map { .bytes($0) }, contentType: contentType, limit: Self.maxBodyBytes, seconds: configuration.requestTimeout)
        return try decoded(status, bytes, headers, method, path)
    }

    func decoded<Answer: Decodable>(_ status: Int, _ bytes: ByteBuffer, _ headers: HTTPHeaders, _ method: String, _ path: String) throws(ChatFailure) -> Answer
    {
        guard status == 200 else {
            throw httpFailure(status: status, body: String(buffer: bytes), headers: headers, rateLimits: RateLimitHeaders(headers))
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
        } catch {
            throw ChatFailure(
                outcomeClass: .retry, httpStatus: status, code: "invalid_response",
                message: "\(method) \(path): not the expected JSON: \(Self.snippet(String(buffer: bytes)))")
        }
    }

    func exchange(
        _ method: String, _ path: String, body: HTTPClientRequest.Body? = nil, contentType: String? = nil, limit: Int, seconds: Double
    ) async throws(ChatFailure) -> (Int, ByteBuffer, HTTPHeaders) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.secret)")
        request.headers.add(name: "User-Agent", value: "groqbatch")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = body }
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(seconds * 1000)))
            return (Int(response.status.code), try await response.body.collect(upTo: limit), response.headers)
        } catch {
            throw transportFailure(error)
        }
    }
}
