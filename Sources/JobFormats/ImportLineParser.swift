import Foundation

/// Turns one line of an import file into a `ParsedJob`, or says exactly what is wrong with it.
///
/// Three line forms are accepted:
/// - the OpenAI/Groq Batch API form `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`;
/// - `{"messages": [...], ...chat parameters}`;
/// - `{"prompt": "...", "system": "...", ...chat parameters}`.
/// Any form may carry `custom_id`, `priority` and `truncate`; every other field is a chat parameter, kept and sent as is.
public struct ImportLineParser: Sendable {
    /// The file name used in issues.
    public var file: String
    /// The output limit written into bodies that have none. The default is none.
    public var defaultMaxTokens: Int?

    /// The request paths the Batch API form may name.
    public static let acceptedURLs: Set<String> = ["/v1/chat/completions", "/openai/v1/chat/completions", "/chat/completions"]
    static let roles: Set<String> = ["system", "user", "assistant", "tool", "developer"]
    /// Fields of the simple forms that describe the job rather than the chat body.
    static let jobFields: Set<String> = ["custom_id", "priority", "truncate"]

    public init(file: String, defaultMaxTokens: Int? = nil) {
        self.file = file
        self.defaultMaxTokens = defaultMaxTokens
    }

    /// Parses one line (without its newline). Returns nil for a blank line.
    public func parse(_ bytes: some Collection<UInt8>, line: Int) throws(ImportIssue) -> ParsedJob? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw issue(line, "line", "invalid UTF-8")
        }
        if text.allSatisfy(\.isWhitespace) { return nil }
        let value: JSONValue
        do {
            value = try JSONValue.decode(bytes)
        } catch {
            throw issue(line, "line", "malformed JSON (\(Self.describe(error)))")
        }
        guard case .object(let object) = value else {
            throw issue(line, "line", "expected a JSON object, found \(value.typeName)")
        }
        return try parse(object: object, line: line)
    }

    func parse(object: [String: JSONValue], line: Int) throws(ImportIssue) -> ParsedJob {
        let customID = try customID(object, line: line)
        let priority = try integer(object["priority"], field: "priority", line: line)
        var truncate: Bool?
        if let value = object["truncate"] {
            guard case .bool(let flag) = value else { throw issue(line, "truncate", "expected true or false, found \(value.typeName)") }
            truncate = flag
        }
        var body: [String: JSONValue]
        var prefix = ""
        if let rawBody = object["body"] {
            guard case .object(let batchBody) = rawBody else {
                throw issue(line, "body", "expected an object, found \(rawBody.typeName)")
            }
            if let method = object["method"], method != .string("POST") {
                throw issue(line, "method", "expected \"POST\", found \(method.jsonString())")
            }
            if let url = object["url"] {
                guard let path = url.stringValue, Self.acceptedURLs.contains(path) else {
                    throw issue(line, "url", "unknown url \(url.jsonString()); expected \"/v1/chat/completions\"")
                }
            }
            body = batchBody
            prefix = "body."
        } else {
            body = object.filter { !Self.jobFields.contains($0.key) }
            if let prompt = body.removeValue(forKey: "prompt") {
                guard case .string(let text) = prompt else {
                    throw issue(line, "prompt", "expected a string, found \(prompt.typeName)")
                }
                guard !text.isEmpty else { throw issue(line, "prompt", "is empty") }
                if body["messages"] != nil {
                    throw issue(line, "prompt", "give either \"prompt\" or \"messages\", not both")
                }
                var messages: [JSONValue] = []
                if let system = body.removeValue(forKey: "system") {
                    guard case .string = system else {
                        throw issue(line, "system", "expected a string, found \(system.typeName)")
                    }
                    messages.append(.object(["role": .string("system"), "content": system]))
                }
                messages.append(.object(["role": .string("user"), "content": .string(text)]))
                body["messages"] = .array(messages)
            } else if body["messages"] == nil {
                throw issue(line, "messages", "missing: a line needs \"messages\", \"prompt\" or a Batch API \"body\"")
            }
        }
        let promptCharacters = try validateMessages(body["messages"], field: prefix + "messages", line: line)
        let model = try validateParameters(&body, prefix: prefix, line: line)
        var maxTokens = try integer(body["max_tokens"], field: prefix + "max_tokens", line: line, minimum: 1)
        if let completionLimit = try integer(
            body["max_completion_tokens"], field: prefix + "max_completion_tokens", line: line, minimum: 1)
        {
            maxTokens = completionLimit
        }
        if maxTokens == nil, let defaultMaxTokens {
            body["max_tokens"] = .number(Double(defaultMaxTokens))
            maxTokens = defaultMaxTokens
        }
        return ParsedJob(
            line: line, customID: customID ?? String(line), body: body, model: model, maxTokens: maxTokens,
            promptCharacters: promptCharacters, priority: priority, truncate: truncate)
    }

    /// Checks the chat parameters a batch cannot honour, removes `model` and returns it.
    func validateParameters(_ body: inout [String: JSONValue], prefix: String, line: Int) throws(ImportIssue) -> String? {
        if let stream = body["stream"] {
            guard case .bool(let flag) = stream else {
                throw issue(line, prefix + "stream", "expected a boolean, found \(stream.typeName)")
            }
            if flag { throw issue(line, prefix + "stream", "streaming is not supported in a batch; remove it or set false") }
        }
        if let n = body["n"] {
            guard let count = n.integerValue else {
                throw issue(line, prefix + "n", "expected an integer, found \(n.typeName)")
            }
            if count != 1 { throw issue(line, prefix + "n", "only n=1 is supported (found \(count))") }
        }
        for key in ["temperature", "top_p", "presence_penalty", "frequency_penalty"] {
            if let value = body[key], value.numberValue == nil {
                throw issue(line, prefix + key, "expected a number, found \(value.typeName)")
            }
        }
        if let temperature = body["temperature"]?.numberValue, !(0...2).contains(temperature) {
            throw issue(line, prefix + "temperature", "must be between 0 and 2 (found \(temperature))")
        }
        guard let model = body.removeValue(forKey: "model") else { return nil }
        guard case .string(let id) = model, !id.isEmpty else {
            throw issue(line, prefix + "model", "expected a model id string, found \(model.typeName)")
        }
        return id
    }

    /// Checks every message and returns the characters of their content.
    func validateMessages(_ value: JSONValue?, field: String, line: Int) throws(ImportIssue) -> Int {
        guard let value else { throw issue(line, field, "missing") }
        guard case .array(let messages) = value else {
            throw issue(line, field, "expected an array, found \(value.typeName)")
        }
        guard !messages.isEmpty else { throw issue(line, field, "is empty") }
        var characters = 0
        for (index, message) in messages.enumerated() {
            let path = "\(field)[\(index)]"
            guard case .object(let fields) = message else {
                throw issue(line, path, "expected an object, found \(message.typeName)")
            }
            guard let role = fields["role"] else { throw issue(line, path + ".role", "missing") }
            guard case .string(let roleName) = role, Self.roles.contains(roleName) else {
                throw issue(line, path + ".role", "expected one of \(Self.roles.sorted().joined(separator: ", ")), found \(role.jsonString())")
            }
            switch fields["content"] {
            case .string(let text)?:
                characters += Self.scalarCount(text)
            case .array(let parts)?:
                for (partIndex, part) in parts.enumerated() {
                    guard case .object(let partFields) = part else {
                        throw issue(line, "\(path).content[\(partIndex)]", "expected an object, found \(part.typeName)")
                    }
                    if let text = partFields["text"]?.stringValue { characters += Self.scalarCount(text) }
                }
            case .null?, nil:
                // An assistant turn that only calls tools has no content; every other turn needs some.
                guard roleName == "assistant", fields["tool_calls"] != nil else {
                    throw issue(line, path + ".content", "missing")
                }
            case let other?:
                throw issue(line, path + ".content", "expected a string or an array of parts, found \(other.typeName)")
            }
        }
        return characters
    }

    func customID(_ object: [String: JSONValue], line: Int) throws(ImportIssue) -> String? {
        guard let value = object["custom_id"] else { return nil }
        guard case .string(let id) = value else {
            throw issue(line, "custom_id", "expected a string, found \(value.typeName)")
        }
        guard !id.isEmpty else { throw issue(line, "custom_id", "is empty") }
        return id
    }

    func integer(_ value: JSONValue?, field: String, line: Int, minimum: Int? = nil) throws(ImportIssue) -> Int? {
        guard let value else { return nil }
        guard let integer = value.integerValue else {
            throw issue(line, field, "expected an integer, found \(value.typeName)")
        }
        if let minimum, integer < minimum {
            throw issue(line, field, "must be at least \(minimum) (found \(integer))")
        }
        return integer
    }

    func issue(_ line: Int, _ field: String, _ message: String) -> ImportIssue {
        ImportIssue(file: file, line: line, field: field, message: message)
    }

    /// A short reason for a parse error.
    /// Unicode scalars in `text`: its UTF-8 bytes that do not continue a scalar (the same number as
    /// `unicodeScalars.count`, without decoding each scalar).
    static func scalarCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }
    }

    static func describe(_ error: any Error) -> String {
        (error as? JSONParser.Failure)?.description ?? "\(error)"
    }
}
