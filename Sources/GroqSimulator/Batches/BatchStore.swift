import Foundation

/// The simulated Batch API's files and batches. Time drives a batch: each read brings it up to now,
/// so a batch progresses at `linesPerSecond` whether or not anyone polls, and nothing runs in the
/// background.
actor BatchStore {
    /// Why a request was refused, as Groq's status and error body.
    struct Refusal: Error {
        var status: Int
        var body: String
    }

    let settings: BatchSettings
    let models: [String: SimulatedModel]
    private let clock: @Sendable () -> Double
    private var files: [String: SimulatedFile] = [:]
    private var batches: [String: SimulatedBatch] = [:]
    private var batchOrder: [String] = []
    private var counter = 0
    private var random: SplitMix64
    /// The best-effort structured-output faults (`invalid_json`, `schema_violation`), as on demand.
    let faults: FaultRates

    init(
        settings: BatchSettings, models: [SimulatedModel], seed: UInt64, faults: FaultRates = FaultRates(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.faults = faults
        self.settings = settings
        self.models = Dictionary(models.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        self.clock = clock
        random = SplitMix64(seed: seed ^ 0xBA7C4)
    }

    /// Whether this call to `/files` or `/batches` fails with a 500.
    func drawFault() -> Bool { draw(settings.faultRate) }

    private func draw(_ chance: Double) -> Bool {
        guard chance > 0 else { return false }
        return Double(random.next() >> 11) / Double(1 << 53) < chance
    }

    private func nextID(_ prefix: String) -> String {
        counter += 1
        return prefix + String(format: "%08x", counter) + String(UInt32(truncatingIfNeeded: random.next()), radix: 36)
    }

    // MARK: - Files

    func upload(filename: String, purpose: String, bytes: [UInt8]) -> SimulatedFile {
        let file = SimulatedFile(id: nextID("file_"), filename: filename, purpose: purpose, bytes: bytes, createdAt: clock())
        files[file.id] = file
        return file
    }

    func file(_ id: String) -> SimulatedFile? { files[id] }

    /// Every file, newest first (as Groq and OpenAI list them).
    func allFiles() -> [SimulatedFile] { files.values.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) } }

    // MARK: - Batches

    func create(inputFileID: String, endpoint: String, window: String, metadata: [String: String]) throws(Refusal) -> SimulatedBatch {
        guard let input = files[inputFileID], input.purpose == "batch" else {
            throw Refusal(status: 404, body: GroqErrorBody.invalidRequest("input file '\(inputFileID)' not found or not uploaded with purpose batch"))
        }
        guard endpoint == "/v1/chat/completions" else {
            throw Refusal(status: 400, body: GroqErrorBody.invalidRequest("endpoint must be /v1/chat/completions"))
        }
        guard let hours = SimulatedBatch.windowHours(window) else {
            throw Refusal(status: 400, body: GroqErrorBody.invalidRequest("completion_window must be between 24h and 7d"))
        }
        let now = clock()
        var batch = SimulatedBatch(
            id: nextID("batch_"), inputFileID: inputFileID, endpoint: endpoint, completionWindow: window, metadata: metadata,
            createdAt: now, expiresAt: now + hours * settings.secondsPerWindowHour)
        for (number, line) in input.bytes.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                let customID = object["custom_id"] as? String, let body = object["body"] as? [String: Any],
                let bodyData = try? JSONSerialization.data(withJSONObject: body)
            else {
                batch.errors.append(("invalid_input", "line \(number + 1): expected {\"custom_id\", \"method\", \"url\", \"body\"}"))
                continue
            }
            if let model = body["model"] as? String {
                if settings.refusedModels.contains(model) {
                    throw Refusal(status: 400, body: GroqErrorBody.invalidRequest("model '\(model)' is not supported by the Batch API"))
                }
                if settings.unservedModels.contains(model) {
                    batch.errors.append(("model_not_found", "line \(number + 1): the model `\(model)` is not available for batch processing"))
                }
            }
            // The body's own bytes, as sent: the answer then equals the on-demand answer to the same body.
            batch.lines.append(.init(customID: customID, body: Self.rawBody(Array(line)) ?? Array(bodyData)))
        }
        if batch.lines.isEmpty && batch.errors.isEmpty { batch.errors.append(("invalid_input", "the input file has no lines")) }
        batches[batch.id] = batch
        batchOrder.append(batch.id)
        return batch
    }

    func batch(_ id: String) -> SimulatedBatch? {
        advance(id)
        return batches[id]
    }

    func allBatches() -> [SimulatedBatch] {
        batchOrder.compactMap { batch($0) }.reversed()
    }

    func cancel(_ id: String) -> SimulatedBatch? {
        advance(id)
        guard var batch = batches[id] else { return nil }
        if ["validating", "in_progress"].contains(batch.status) {
            let now = clock()
            batch.finished = processed(batch, at: now)
            batch.status = "cancelling"
            batch.cancellingAt = now
            batches[id] = batch
        }
        return batches[id]
    }

    /// Lines done by `time`, counting from when work started.
    private func processed(_ batch: SimulatedBatch, at time: Double) -> Int {
        guard let started = batch.inProgressAt, time > started else { return 0 }
        return min(batch.lines.count, Int((time - started) * settings.linesPerSecond))
    }

    /// Moves a batch along its status machine to the present.
    private func advance(_ id: String) {
        guard var batch = batches[id] else { return }
        let now = clock()
        if batch.status == "validating", now >= batch.createdAt + settings.validationSeconds {
            if !batch.errors.isEmpty {
                batch.status = "failed"
                batch.failedAt = batch.createdAt + settings.validationSeconds
            } else {
                batch.status = "in_progress"
                batch.inProgressAt = batch.createdAt + settings.validationSeconds
            }
        }
        if batch.status == "in_progress", let started = batch.inProgressAt {
            let doneAt = started + Double(batch.lines.count) / settings.linesPerSecond
            if doneAt <= batch.expiresAt, now >= doneAt {
                batch.finished = batch.lines.count
                batch.status = "finalizing"
                batch.finalizingAt = doneAt
            } else if now >= batch.expiresAt {
                batch.finished = processed(batch, at: batch.expiresAt)
                finish(&batch, as: "expired", at: batch.expiresAt)
            }
        }
        if batch.status == "finalizing", let since = batch.finalizingAt, now >= since + settings.finalizingSeconds {
            finish(&batch, as: "completed", at: since + settings.finalizingSeconds)
        }
        if batch.status == "cancelling", let since = batch.cancellingAt, now >= since + settings.finalizingSeconds {
            finish(&batch, as: "cancelled", at: since + settings.finalizingSeconds)
        }
        batches[id] = batch
    }

    /// Writes the output and error files of a batch that stopped, and sets its end status.
    private func finish(_ batch: inout SimulatedBatch, as status: String, at time: Double) {
        var output: [String] = []
        var errors: [String] = []
        for (index, line) in batch.lines.enumerated() {
            let requestID = "req_" + String(format: "%08x", index) + batch.id.suffix(8)
            let lineID = "batch_req_\(batch.id.suffix(8))_\(index)"
            if index < batch.finished, draw(settings.lineFaultRate) {
                // The provider's hiccup on one line: its own 5xx, or a timeout with no response at all.
                batch.failedCount += 1
                if random.next() % 2 == 0 {
                    errors.append(
                        #"{"id":"\#(lineID)","custom_id":\#(GroqErrorBody.quote(line.customID)),"response":{"status_code":500,"request_id":"\#(requestID)","body":\#(GroqErrorBody.internalServerError)},"error":null}"#
                    )
                } else {
                    errors.append(
                        #"{"id":"\#(lineID)","custom_id":\#(GroqErrorBody.quote(line.customID)),"response":null,"error":{"code":"request_timeout","message":"The request timed out before the model answered."}}"#
                    )
                }
                continue
            }
            if index >= batch.finished {
                let code = status == "expired" ? "batch_expired" : "batch_cancelled"
                errors.append(
                    #"{"id":"\#(lineID)","custom_id":\#(GroqErrorBody.quote(line.customID)),"response":null,"error":{"code":"\#(code)","message":"This request could not be executed before the batch \#(status == "expired" ? "expired" : "was cancelled")."}}"#
                )
                continue
            }
            switch answer(line, requestID: requestID, created: Int(time)) {
            case .success(let body):
                batch.completedCount += 1
                output.append(
                    #"{"id":"\#(lineID)","custom_id":\#(GroqErrorBody.quote(line.customID)),"response":{"status_code":200,"request_id":"\#(requestID)","body":\#(body)},"error":null}"#
                )
            case .failure(let refusal):
                batch.failedCount += 1
                errors.append(
                    #"{"id":"\#(lineID)","custom_id":\#(GroqErrorBody.quote(line.customID)),"response":{"status_code":\#(refusal.status),"request_id":"\#(requestID)","body":\#(refusal.body)},"error":null}"#
                )
            }
        }
        // Groq writes output lines in no promised order; neither does the simulator.
        output.reverse()
        if settings.loseOutputFiles {
            // Gone when read: the ids are given, the files never kept.
            if !output.isEmpty { batch.outputFileID = nextID("file_") }
            if !errors.isEmpty { batch.errorFileID = nextID("file_") }
        } else if !output.isEmpty {
            batch.outputFileID =
                upload(filename: "batch_\(batch.id)_output.jsonl", purpose: "batch_output", bytes: Array((output.joined(separator: "\n") + "\n").utf8)).id
        }
        if !errors.isEmpty, !settings.loseOutputFiles {
            batch.errorFileID =
                upload(filename: "batch_\(batch.id)_error.jsonl", purpose: "batch_output", bytes: Array((errors.joined(separator: "\n") + "\n").utf8)).id
        }
        batch.status = status
        switch status {
        case "completed": batch.completedAt = time
        case "expired": batch.expiredAt = time
        default: batch.cancelledAt = time
        }
    }

    /// The bytes of the top-level `body` object of an input line, exactly as written.
    static func rawBody(_ line: [UInt8]) -> [UInt8]? {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        var index = 0
        var depth = 0
        var key: String?
        var expectingValue = false
        func skipString() -> String {
            let start = index + 1
            index += 1
            while index < line.count && line[index] != quote {
                if line[index] == backslash { index += 1 }
                index += 1
            }
            defer { index += 1 }
            return String(decoding: line[start..<min(index, line.count)], as: UTF8.self)
        }
        while index < line.count {
            switch line[index] {
            case quote:
                let text = skipString()
                if depth == 1 && !expectingValue { key = text }
                continue
            case UInt8(ascii: ":") where depth == 1:
                expectingValue = true
            case UInt8(ascii: ",") where depth == 1:
                expectingValue = false
                key = nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 && expectingValue && key == "body" {
                    let start = index
                    var nesting = 0
                    while index < line.count {
                        switch line[index] {
                        case quote:
                            _ = skipString()
                            continue
                        case UInt8(ascii: "{"), UInt8(ascii: "["): nesting += 1
                        case UInt8(ascii: "}"), UInt8(ascii: "]"):
                            nesting -= 1
                            if nesting == 0 { return Array(line[start...index]) }
                        default: break
                        }
                        index += 1
                    }
                    return nil
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// One line's answer: a completion, or the error Groq would give on demand.
    private func answer(_ line: SimulatedBatch.Line, requestID: String, created: Int) -> Result<String, Refusal> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.body))) as? [String: Any],
            let modelID = object["model"] as? String, let messages = object["messages"] as? [[String: Any]]
        else { return .failure(Refusal(status: 400, body: GroqErrorBody.invalidRequest("the body needs model and messages"))) }
        guard let model = models[modelID] else { return .failure(Refusal(status: 404, body: GroqErrorBody.modelNotFound(modelID))) }
        if model.decommissioned { return .failure(Refusal(status: 400, body: GroqErrorBody.decommissioned(modelID))) }
        let promptTokens = messages.reduce(0) { $0 + SimTokenizer.perMessage + (SimulatorState.contentText($1["content"]).map(SimTokenizer.count) ?? 0) }
        let maxTokens = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int) ?? model.maxOutput
        var completion = CompletionGenerator.generate(model: modelID, body: line.body, maxTokens: min(maxTokens, model.maxOutput))
        if let structured = StructuredAnswer(request: object) {
            if structured.isStrict && !model.strictJSONSchema {
                return .failure(Refusal(status: 400, body: GroqErrorBody.invalidRequest("json_schema strict mode is not supported for model \(modelID)")))
            }
            let violate = !structured.isStrict && structured.hasSchema && draw(faults.schemaViolation)
            var text = structured.text(seed: FNV1a.hash(line.body) ^ FNV1a.hash(Array(modelID.utf8)), violate: violate)
            if !structured.isStrict && draw(faults.invalidJSON) { text = StructuredAnswer.notJSON(text) }
            completion = (text, max(1, SimTokenizer.count(text)), "stop")
        }
        return .success(
            SimulatorRoutes.completionBody(
                model: modelID, requestID: requestID, promptTokens: promptTokens, completion: completion, queueTime: 0,
                tokensPerSecond: model.tokensPerSecond, created: created, serviceTier: "batch"))
    }
}
