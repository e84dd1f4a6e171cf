import Foundation

/// The simulator's shared state: models, meters, the fault generator and counters. Every decision is
/// made here in one step; the waiting (latency, hangs) happens outside, so the actor never blocks.
actor SimulatorState {
    /// What to do with one chat request.
    enum Decision: Sendable {
        /// Answer at once.
        case answer(SimulatedResponse)
        /// Reset the connection.
        case reset(RequestLogEntry)
        /// Say nothing for `seconds`.
        case hang(seconds: Double, RequestLogEntry)
        /// Admitted: generate after `latency` seconds, then `settle`.
        case generate(Generation)
    }

    /// Flex has limits of its own, `flexLimitMultiplier` times the model's: keyed apart from on-demand.
    static func flexKey(_ model: String) -> String { "flex:" + model }

    private(set) var configuration: SimulatorConfiguration
    private var models: [String: SimulatedModel]
    private var meters: [String: ModelMeters]
    /// Drawn for faults; seeded, so a run is repeatable.
    var random: SplitMix64
    /// Each caching model's recently processed prompt prefixes.
    var prefixCaches: [String: PrefixCache] = [:]
    private let start = ContinuousClock.now
    private let startWallClock = Date().timeIntervalSince1970
    private var requestNumber: UInt64 = 0
    private(set) var statusCounts: [Int: Int] = [:]
    private(set) var isStopping = false

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        models = Dictionary(configuration.models.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        meters = models.mapValues { ModelMeters(model: $0, enforcement: configuration.enforcement) }
        random = SplitMix64(seed: configuration.seed)
    }

    /// Seconds on the monotonic clock since the simulator started.
    func now() -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    func wallClock(_ monotonic: Double) -> Double { startWallClock + monotonic }

    func stop() { isStopping = true }

    func count(_ status: Int) { statusCounts[status, default: 0] += 1 }

    func activeModels() -> [SimulatedModel] {
        configuration.models.filter { !$0.decommissioned }
    }

    /// Changes a model's limits while running (the admin endpoint); what was spent stays spent.
    func setLimits(model: String, limits: [ModelMeters.Kind: Int]) -> Bool {
        guard var model = models[model], var meter = meters[model.id] else { return false }
        meter.setLimits(limits, at: now())
        meters[model.id] = meter
        for (kind, value) in limits {
            switch kind {
            case .rpm: model.rpm = value
            case .rpd: model.rpd = value
            case .tpm: model.tpm = value
            case .tpd: model.tpd = value
            }
        }
        models[model.id] = model
        return true
    }

    /// Returns the unused part of an admitted request's reservation.
    func settle(_ generation: Generation) {
        meters[generation.meterKey]?.settle(
            generation.admission, actualTokens: generation.promptTokens + generation.completion.tokens - generation.cachedTokens, at: now())
        if let prefix = generation.prefix {
            prefixCaches[generation.model, default: PrefixCache()].store(prefix: prefix.hash, tokens: prefix.tokens, at: now())
        }
    }

    /// Groq's rate-limit headers for a model (or a model's flex meters, by `flexKey`), as of now.
    func headers(model: String?) -> [(String, String)] {
        guard let model, var meter = meters[model] else { return [] }
        let fields = meter.headers(at: now())
        meters[model] = meter
        return fields
    }

    /// The flex meters of a model, made on first use with the multiplied limits.
    private func flexMeters(_ model: SimulatedModel) -> String {
        let key = Self.flexKey(model.id)
        if meters[key] == nil {
            var scaled = model
            let factor = configuration.flexLimitMultiplier
            scaled.rpm = model.rpm * factor
            scaled.rpd = model.rpd * factor
            scaled.tpm = model.tpm * factor
            scaled.tpd = model.tpd * factor
            meters[key] = ModelMeters(model: scaled, enforcement: configuration.enforcement)
        }
        return key
    }

    func nextRequestID() -> String {
        requestNumber += 1
        return "req_sim\(String(requestNumber, radix: 16))\(String(random.next() % 0xFFFF_FFFF, radix: 36))"
    }

    /// Decides the fate of one chat request.
    func decide(body: [UInt8], authorization: String?) -> Decision {
        let requestID = nextRequestID()
        let bodyHash = FNV1a.hex(body)
        var entry = RequestLogEntry(time: wallClock(now()), status: 0, bodyHash: bodyHash, requestID: requestID)
        func answer(_ status: Int, _ text: String, code: String?, model: String? = nil, extra: [(String, String)] = []) -> Decision {
            entry.status = status
            entry.code = code
            entry.model = model
            return .answer(SimulatedResponse(status: status, body: text, headers: headers(model: model) + extra, requestID: requestID, log: entry))
        }
        guard authorization == "Bearer \(configuration.apiKey)" else {
            return answer(401, GroqErrorBody.invalidAPIKey, code: "invalid_api_key")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return answer(400, GroqErrorBody.invalidRequest("We could not parse the JSON body of your request."), code: "invalid_request_error")
        }
        guard let modelID = object["model"] as? String else {
            return answer(400, GroqErrorBody.invalidRequest("property 'model' is missing"), code: "invalid_request_error")
        }
        entry.model = modelID
        guard let model = models[modelID] else {
            return answer(404, GroqErrorBody.modelNotFound(modelID), code: "model_not_found", model: modelID)
        }
        if model.decommissioned {
            return answer(400, GroqErrorBody.decommissioned(modelID), code: "model_decommissioned", model: modelID)
        }
        guard let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else {
            return answer(400, GroqErrorBody.invalidRequest("'messages' : minimum number of items is 1"), code: "invalid_request_error", model: modelID)
        }
        if let n = object["n"] as? Int, n != 1 {
            return answer(400, GroqErrorBody.invalidRequest("'n' : number must be at most 1"), code: "invalid_request_error", model: modelID)
        }
        if object["stream"] as? Bool == true {
            return answer(400, GroqErrorBody.invalidRequest("the simulator does not stream; send stream: false"), code: "invalid_request_error", model: modelID)
        }
        let promptTokens = messages.reduce(0) { total, message in
            total + SimTokenizer.perMessage + Self.contentText(message["content"]).map(SimTokenizer.count)!
        }
        let askedMaxTokens = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int)
        if let asked = askedMaxTokens, asked > model.maxOutput {
            return answer(
                400,
                GroqErrorBody.invalidRequest(
                    "`max_tokens` must be less than or equal to `\(model.maxOutput)`, the maximum value for `max_tokens` is less than the `context_window` for this model"
                ), code: "invalid_request_error", model: modelID)
        }
        let maxTokens = askedMaxTokens ?? min(model.maxOutput, max(1, model.contextWindow - promptTokens))
        entry.promptTokens = promptTokens
        if promptTokens + (askedMaxTokens ?? 0) > model.contextWindow || promptTokens >= model.contextWindow {
            return answer(400, GroqErrorBody.contextLengthExceeded, code: "context_length_exceeded", model: modelID)
        }
        let structured = StructuredAnswer(request: object)
        if let structured, structured.isStrict {
            guard model.strictJSONSchema else {
                return answer(
                    400, GroqErrorBody.invalidRequest("json_schema strict mode is not supported for model \(modelID); set strict to false"),
                    code: "invalid_request_error", model: modelID)
            }
            if let problem = structured.strictProblem() {
                return answer(
                    400, GroqErrorBody.invalidRequest("invalid JSON schema for response_format: \(problem)"), code: "invalid_request_error", model: modelID)
            }
        }
        let fault = drawFault()
        entry.fault = fault?.rawValue
        switch fault {
        case .serverError: return answer(500, GroqErrorBody.internalServerError, code: "internal_server_error", model: modelID)
        case .unavailable: return answer(503, GroqErrorBody.serviceUnavailable, code: "service_unavailable", model: modelID)
        case .capacityExceeded: return answer(498, GroqErrorBody.capacityExceeded, code: "capacity_exceeded", model: modelID)
        case .edgeTimeout:
            entry.status = 524
            return .answer(
                SimulatedResponse(
                    status: 524, body: GroqErrorBody.edgeTimeoutPage, headers: [], contentType: "text/html; charset=UTF-8", requestID: requestID, log: entry))
        case .reset:
            entry.status = 0
            return .reset(entry)
        case .rateLimited:
            let limit = model.rpm > 0 ? model.rpm : 30
            let refusal = ModelMeters.Refusal(kind: .rpm, limit: limit, used: limit, requested: 1, wait: 1)
            entry.limit = refusal.kind.rawValue
            return answer(
                429, GroqErrorBody.rateLimited(model: modelID, refusal: refusal), code: "rate_limit_exceeded", model: modelID, extra: [("retry-after", "1")])
        default: break
        }
        // Best effort can fail where strict decoding cannot: each such fault has its own draw.
        let structuredFault = structured.flatMap { $0.isStrict ? nil : drawStructuredFault(schema: $0.hasSchema) }
        if structuredFault == "json_validate_failed", let structured {
            entry.fault = structuredFault
            let failed = StructuredAnswer.notJSON(structured.text(seed: FNV1a.hash(body), violate: false))
            return answer(400, GroqErrorBody.jsonValidateFailed(failedGeneration: failed), code: "json_validate_failed", model: modelID)
        }
        let tier = object["service_tier"] as? String ?? "on_demand"
        guard ["on_demand", "flex", "auto"].contains(tier) else {
            return answer(400, GroqErrorBody.invalidRequest("service_tier must be auto, on_demand or flex"), code: "invalid_request_error", model: modelID)
        }
        let flex = tier == "flex"
        // Flex fails fast when busy: a 498 before any budget is touched.
        if flex, configuration.flexBusyRate > 0, Double(random.next() >> 11) / Double(1 << 53) < configuration.flexBusyRate {
            entry.fault = "flex_busy"
            return answer(498, GroqErrorBody.capacityExceeded, code: "capacity_exceeded", model: modelID)
        }
        let meterKey = flex ? flexMeters(model) : modelID
        // Groq reserves prompt + max_tokens against TPM at admission. What it reserves for a request that
        // sets no max_tokens is not published; a provider that held back the whole output limit (65,536
        // on gpt-oss) would refuse every such request on a free tier, which Groq does not. The simulator
        // reserves the prompt alone and counts the completion when it is generated.
        let reserved = promptTokens + (askedMaxTokens ?? 0)
        entry.reservedTokens = reserved
        let tpmLimit = model.tpm * (flex ? configuration.flexLimitMultiplier : 1)
        if tpmLimit > 0 && reserved > tpmLimit {
            return answer(413, GroqErrorBody.requestTooLarge(model: modelID, limit: tpmLimit, requested: reserved), code: "rate_limit_exceeded", model: modelID)
        }
        switch meters[meterKey]!.admit(tokens: reserved, at: now()) {
        case .failure(let refusal):
            entry.limit = refusal.kind.rawValue
            let retryAfter = String(Int(refusal.wait.rounded(.up)))
            return answer(
                429, GroqErrorBody.rateLimited(model: modelID, refusal: refusal), code: "rate_limit_exceeded", model: modelID,
                extra: [("retry-after", retryAfter)])
        case .success(let admission):
            if fault == .hang {
                entry.status = 0
                meters[meterKey]!.settle(admission, actualTokens: promptTokens, at: now())
                return .hang(seconds: configuration.hangSeconds, entry)
            }
            var completion = CompletionGenerator.generate(model: modelID, body: body, maxTokens: maxTokens)
            if let structured {
                entry.fault = structuredFault ?? entry.fault
                var text = structured.text(seed: FNV1a.hash(body) ^ FNV1a.hash(Array(modelID.utf8)), violate: structuredFault == "schema_violation")
                if structuredFault == "invalid_json" { text = StructuredAnswer.notJSON(text) }
                let tokens = SimTokenizer.count(text)
                completion = tokens > maxTokens ? (String(text.prefix(maxTokens)), maxTokens, "length") : (text, max(1, tokens), "stop")
            }
            let cache = cachedTokens(model: model, messages: messages)
            // The prompt is read at ten times the output speed, except what the cache already holds: hits answer sooner.
            let promptTime = Double(promptTokens - cache.tokens) / (model.tokensPerSecond * 10)
            let generationTime = Double(completion.tokens) / model.tokensPerSecond
            var generation = Generation(
                model: modelID, admission: admission, promptTokens: promptTokens, completion: completion,
                reservedTokens: reserved, latency: (configuration.queueDelay + promptTime + generationTime) * configuration.speedFactor,
                queueTime: configuration.queueDelay, tokensPerSecond: model.tokensPerSecond, truncated: fault == .truncated,
                bodyHash: bodyHash, requestID: requestID, serviceTier: flex ? "flex" : "on_demand", fault: structuredFault,
                cachedTokens: cache.tokens)
            generation.prefix = cache.prefix
            return .generate(generation)
        }
    }

    /// The text of a message's content: a string, or the text parts of an array.
    static func contentText(_ content: Any?) -> String? {
        if let text = content as? String { return text }
        if let parts = content as? [[String: Any]] { return parts.compactMap { $0["text"] as? String }.joined(separator: " ") }
        return ""
    }

}

/// A response decided by the simulator.
struct SimulatedResponse: Sendable {
    var status: Int
    var body: String
    var headers: [(String, String)]
    var contentType = "application/json"
    var requestID: String
    var log: RequestLogEntry
}
