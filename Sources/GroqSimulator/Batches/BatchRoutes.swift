import Foundation
import HTTPTypes
import Hummingbird

/// The Batch API's endpoints in Groq's shapes: `/files` (upload, list, retrieve, content) and `/batches`
/// (create, list, retrieve, cancel), each with the configured chance of a 500, each logged.
struct BatchRoutes: Sendable {
    let store: BatchStore
    let log: RequestLog
    let apiKey: String

    func register(on router: Router<BasicRequestContext>) {
        router.post("/openai/v1/files") { request, _ in try await guarded(request, "POST /files") { try await upload(request) } }
        router.get("/openai/v1/files") { request, _ in
            try await guarded(request, "GET /files") {
                page(await store.allFiles().map { ($0.id, $0.json) }, request)
            }
        }
        router.get("/openai/v1/files/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request, "GET /files/{id}", resource: id) {
                guard let file = await store.file(id) else { return notFound("file", id) }
                return json(200, object: file.json)
            }
        }
        router.get("/openai/v1/files/:id/content") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request, "GET /files/{id}/content", resource: id) {
                guard let file = await store.file(id) else { return notFound("file", id) }
                var headers = HTTPFields()
                headers[.contentType] = "application/octet-stream"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
            }
        }
        router.post("/openai/v1/batches") { request, _ in try await guarded(request, "POST /batches") { try await create(request) } }
        router.get("/openai/v1/batches") { request, _ in
            try await guarded(request, "GET /batches") {
                page(await store.allBatches().map { ($0.id, $0.json) }, request)
            }
        }
        router.get("/openai/v1/batches/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request, "GET /batches/{id}", resource: id) {
                guard let batch = await store.batch(id) else { return notFound("batch", id) }
                return json(200, object: batch.json)
            }
        }
        router.post("/openai/v1/batches/:id/cancel") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request, "POST /batches/{id}/cancel", resource: id) {
                guard let batch = await store.cancel(id) else { return notFound("batch", id) }
                return json(200, object: batch.json)
            }
        }
    }

    /// Checks the key, draws the fault, runs `body` and logs the call with what it touched.
    func guarded(_ request: Request, _ endpoint: String, resource: String? = nil, _ body: () async throws -> Response) async throws -> Response {
        var entry = RequestLogEntry(time: Date().timeIntervalSince1970, status: 0, bodyHash: "", requestID: "")
        entry.endpoint = endpoint
        entry.resource = resource
        let response: Response
        if request.headers[.authorization] != "Bearer \(apiKey)" {
            response = raw(401, GroqErrorBody.invalidAPIKey)
        } else if await store.drawFault() {
            entry.fault = "server_error"
            response = raw(500, GroqErrorBody.internalServerError)
        } else {
            response = try await body()
        }
        entry.status = response.status.code
        if entry.resource == nil { entry.resource = response.headers[Self.resourceHeader] }
        await log.append(entry)
        return response
    }

    /// Carries the id a creating call made to the log line; stripped of nothing, harmless to clients.
    static let resourceHeader = HTTPField.Name("x-simulator-resource")!

    func upload(_ request: Request) async throws -> Response {
        let body = Array(buffer: try await request.body.collect(upTo: 256 << 20))
        guard let form = MultipartForm(body: body, contentType: request.headers[.contentType] ?? ""),
            let file = form.part("file"), let purpose = form.part("purpose").map({ String(decoding: $0.bytes, as: UTF8.self) })
        else { return raw(400, GroqErrorBody.invalidRequest("expected multipart/form-data with purpose and file")) }
        guard purpose == "batch" else { return raw(400, GroqErrorBody.invalidRequest("purpose must be batch")) }
        guard file.bytes.count <= 200 << 20 else { return raw(413, GroqErrorBody.invalidRequest("a batch file holds at most 200 MB")) }
        let lines = file.bytes.split(separator: 0x0A).count
        guard lines <= 50_000 else { return raw(400, GroqErrorBody.invalidRequest("a batch file holds at most 50,000 lines (found \(lines))")) }
        let stored = await store.upload(filename: file.filename ?? "upload.jsonl", purpose: purpose, bytes: file.bytes)
        var response = json(200, object: stored.json)
        response.headers[Self.resourceHeader] = stored.id + " " + stored.filename
        return response
    }

    func create(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
            let input = object["input_file_id"] as? String
        else { return raw(400, GroqErrorBody.invalidRequest("expected {\"input_file_id\", \"endpoint\", \"completion_window\"}")) }
        let metadata = (object["metadata"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        do throws(BatchStore.Refusal) {
            let batch = try await store.create(
                inputFileID: input, endpoint: object["endpoint"] as? String ?? "", window: object["completion_window"] as? String ?? "",
                metadata: metadata)
            var response = json(200, object: batch.json)
            response.headers[Self.resourceHeader] = batch.id + " " + input
            return response
        } catch {
            return raw(error.status, error.body)
        }
    }

    /// One page of a list, newest first, the OpenAI way: `limit` objects (20 unless asked, at most the
    /// configured page size) after the object `after` names, with `first_id`, `last_id` and `has_more`.
    func page(_ items: [(id: String, json: [String: Any])], _ request: Request) -> Response {
        let query = request.uri.queryParameters
        let limit = min(store.settings.maxPageSize, max(1, query.get("limit").flatMap { Int(String($0)) } ?? 20))
        var start = 0
        if let after = query.get("after").map({ String($0) }) {
            guard let index = items.firstIndex(where: { $0.id == after }) else { return notFound("object", after) }
            start = index + 1
        }
        let slice = items[min(start, items.count)..<min(items.count, start + limit)]
        return json(
            200,
            object: [
                "object": "list", "data": slice.map(\.json), "first_id": slice.first?.id ?? NSNull(), "last_id": slice.last?.id ?? NSNull(),
                "has_more": start + limit < items.count,
            ])
    }

    func notFound(_ kind: String, _ id: String) -> Response {
        raw(404, GroqErrorBody.invalidRequest("\(kind) '\(id)' not found"))
    }

    func json(_ status: Int, object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return raw(status, String(decoding: data, as: UTF8.self))
    }

    func raw(_ status: Int, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
