import Foundation
import HTTPTypes
import Hummingbird

/// The simulator's endpoints: Groq's `/openai/v1/chat/completions` and `/openai/v1/models`, and an
/// admin endpoint to change limits while running.
struct SimulatorRoutes: Sendable {
    let state: SimulatorState
    let log: RequestLog

    func register(on router: Router<BasicRequestContext>) {
        router.post("/openai/v1/chat/completions") { request, _ in
            try await chat(request)
        }
        router.get("/openai/v1/models") { request, _ in
            await models(request)
        }
        router.post("/admin/limits") { request, _ in
            try await setLimits(request)
        }
    }

    func chat(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        let bytes = Array(buffer: body)
        switch await state.decide(body: bytes, authorization: request.headers[.authorization]) {
        case .answer(let response):
            return await finish(response)
        case .reset(let entry):
            await log.append(entry)
            await state.count(0)
            var headers = HTTPFields()
            headers[ConnectionResetHandler.marker] = "1"
            return Response(status: .internalServerError, headers: headers)
        case .hang(let seconds, let entry):
            await log.append(entry)
            await state.count(0)
            // Silent until the hang ends or the simulator stops (so shutdown is never held up by it).
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline, await !state.isStopping {
                try? await Task.sleep(for: .milliseconds(100))
            }
            return Response(status: .gatewayTimeout)
        case .generate(let generation):
            if generation.latency > 0 { try? await Task.sleep(for: .seconds(generation.latency)) }
            await state.settle(generation)
            var text = completionBody(generation, created: Int(Date().timeIntervalSince1970))
            if generation.truncated { text = String(text.prefix(text.count / 2)) }
            var entry = RequestLogEntry(
                time: Date().timeIntervalSince1970, model: generation.model, status: 200,
                fault: generation.truncated ? "truncated" : generation.fault, promptTokens: generation.promptTokens,
                completionTokens: generation.completion.tokens, reservedTokens: generation.reservedTokens, cachedTokens: generation.cachedTokens,
                bodyHash: generation.bodyHash, requestID: generation.requestID)
            entry.code = nil
            entry.latency = generation.latency
            return await finish(
                SimulatedResponse(
                    status: 200, body: text, headers: await state.headers(model: generation.meterKey),
                    requestID: generation.requestID, log: entry))
        }
    }

    func finish(_ response: SimulatedResponse) async -> Response {
        await log.append(response.log)
        await state.count(response.status)
        var headers = HTTPFields()
        headers[.contentType] = response.contentType
        headers[HTTPField.Name("x-request-id")!] = response.requestID
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: response.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: response.body)))
    }

    func completionBody(_ generation: SimulatorState.Generation, created: Int) -> String {
        Self.completionBody(
            model: generation.model, requestID: generation.requestID, promptTokens: generation.promptTokens,
            completion: generation.completion, queueTime: generation.queueTime, tokensPerSecond: generation.tokensPerSecond,
            created: created, serviceTier: generation.serviceTier, cachedTokens: generation.cachedTokens)
    }

    /// A chat completion in Groq's shape, for on-demand answers and Batch API output lines alike.
    static func completionBody(
        model: String, requestID: String, promptTokens: Int, completion: (text: String, tokens: Int, finishReason: String),
        queueTime: Double, tokensPerSecond: Double, created: Int, serviceTier: String = "on_demand", cachedTokens: Int = 0
    ) -> String {
        let promptTime = Double(promptTokens) / (tokensPerSecond * 20)
        let completionTime = Double(completion.tokens) / tokensPerSecond
        let totalTime = promptTime + completionTime
        let id = "chatcmpl-" + requestID.dropFirst(4)
        return """
            {"id":"\(id)","object":"chat.completion","created":\(created),"model":\(GroqErrorBody.quote(model)),\
            "choices":[{"index":0,"message":{"role":"assistant","content":\(GroqErrorBody.quote(completion.text))},\
            "logprobs":null,"finish_reason":"\(completion.finishReason)"}],\
            "usage":{"queue_time":\(queueTime),"prompt_tokens":\(promptTokens),"prompt_time":\(promptTime),\
            "completion_tokens":\(completion.tokens),"completion_time":\(completionTime),\
            "total_tokens":\(promptTokens + completion.tokens),"total_time":\(totalTime),\
            "prompt_tokens_details":{"cached_tokens":\(cachedTokens)}},\
            "usage_breakdown":null,"system_fingerprint":"fp_simulator","x_groq":{"id":"\(requestID)"},"service_tier":"\(serviceTier)"}
            """
    }

    func models(_ request: Request) async -> Response {
        guard await request.headers[.authorization] == "Bearer \(state.configuration.apiKey)" else {
            return json(401, GroqErrorBody.invalidAPIKey)
        }
        let entries = await state.activeModels().map { model in
            """
            {"id":\(GroqErrorBody.quote(model.id)),"object":"model","created":1733356800,"owned_by":\(GroqErrorBody.quote(model.ownedBy)),\
            "active":true,"context_window":\(model.contextWindow),"public_apps":null,"max_completion_tokens":\(model.maxOutput)}
            """
        }
        return json(200, #"{"object":"list","data":[\#(entries.joined(separator: ","))]}"#)
    }

    /// `POST /admin/limits {"model": "...", "rpm": 10, "tpm": 5000}`: new limits, effective at once.
    func setLimits(_ request: Request) async throws -> Response {
        guard await request.headers[.authorization] == "Bearer \(state.configuration.apiKey)" else {
            return json(401, GroqErrorBody.invalidAPIKey)
        }
        let body = try await request.body.collect(upTo: 1 << 16)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
            let model = object["model"] as? String
        else {
            return json(400, GroqErrorBody.invalidRequest("expected {\"model\": ID, \"rpm\"|\"rpd\"|\"tpm\"|\"tpd\": N}"))
        }
        var limits: [ModelMeters.Kind: Int] = [:]
        for kind in ModelMeters.Kind.allCases {
            if let value = object[kind.rawValue.lowercased()] as? Int { limits[kind] = value }
        }
        guard await state.setLimits(model: model, limits: limits) else {
            return json(404, GroqErrorBody.modelNotFound(model))
        }
        return json(200, #"{"ok":true}"#)
    }

    func json(_ status: Int, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
