import Foundation

/// The Batch API's line formats, written and read in one place: input lines
/// `{"custom_id","method","url","body"}`, and output and error lines
/// `{"id","custom_id","response":{"status_code","request_id","body"},"error":{"code","message"}}`, which
/// the provider's files, the simulator and `export` share.
public enum BatchLine {
    /// The path every input line posts to.
    public static let chatPath = "/v1/chat/completions"

    /// One input line (with its newline): `body` is the request's JSON text, model included.
    public static func input(customID: String, body: String) -> String {
        var line = #"{"custom_id":"#
        var quoted: [UInt8] = []
        JSONValue.writeString(customID, to: &quoted)
        line += String(decoding: quoted, as: UTF8.self)
        line += #","method":"POST","url":""# + chatPath + #"","body":"# + body + "}\n"
        return line
    }

    /// The `custom_id` of queue job `jobID`'s input line: its answer names the job by it.
    public static func customID(jobID: Int64) -> String { "job-\(jobID)" }

    /// The most bytes the input line of a request can take: `requestBytes` of canonical JSON (as import
    /// stores it) sent to `model`. It counts the envelope, the `"model"` field put first in the body
    /// (`GroqClient.body`) and the `,"strict":false` a JSON schema may gain (`ResponseFormat.body`, which
    /// writes the same canonical JSON again), so a file packed by it never outweighs its limit.
    public static func inputBytes(customID: String, model: String, requestBytes: Int) -> Int {
        var quotedModel: [UInt8] = []
        JSONValue.writeString(model, to: &quotedModel)
        // `{"model":<model>,` takes the place of the request's `{`.
        let modelField = #"{"model":,"#.utf8.count + quotedModel.count - 1
        return input(customID: customID, body: "").utf8.count + modelField + requestBytes + #","strict":false"#.utf8.count
    }

    /// One line of an output or error file.
    public struct Output: Sendable, Equatable {
        public var id: String?
        public var customID: String
        /// The call's HTTP status; nil when the line has no response (it timed out, or never ran).
        public var statusCode: Int?
        public var requestID: String?
        /// The response's body: a completion for a 200, an error envelope otherwise.
        public var body: JSONValue?
        /// The line's own error (`batch_expired`, `request_timeout`, ...), or the body's.
        public var errorCode: String?
        public var errorMessage: String?

        public init(
            id: String? = nil, customID: String, statusCode: Int? = nil, requestID: String? = nil, body: JSONValue? = nil,
            errorCode: String? = nil, errorMessage: String? = nil
        ) {
            self.id = id
            self.customID = customID
            self.statusCode = statusCode
            self.requestID = requestID
            self.body = body
            self.errorCode = errorCode
            self.errorMessage = errorMessage
        }

        /// Whether the line holds an answer.
        public var answered: Bool { statusCode == 200 && body != nil }
    }

    /// Why a line is not an output line.
    public struct Malformed: Error, Equatable {
        public var reason: String
    }

    /// Reads one output or error line.
    public static func output(_ bytes: some Collection<UInt8>) throws(Malformed) -> Output {
        let value: JSONValue
        do { value = try JSONValue.decode(Array(bytes)) } catch { throw Malformed(reason: "not JSON") }
        guard case .object(let object) = value, let customID = object["custom_id"]?.stringValue else {
            throw Malformed(reason: "no custom_id")
        }
        var line = Output(id: object["id"]?.stringValue, customID: customID)
        if case .object(let response) = object["response"] {
            if case .number(let status) = response["status_code"] { line.statusCode = Int(status) }
            line.requestID = response["request_id"]?.stringValue
            line.body = response["body"]
        }
        var error: [String: JSONValue]?
        if case .object(let own) = object["error"] {
            error = own
        } else if case .object(let body) = line.body, case .object(let inner) = body["error"] {
            error = inner
        }
        line.errorCode = error?["code"]?.stringValue ?? error?["type"]?.stringValue
        line.errorMessage = error?["message"]?.stringValue
        return line
    }

    /// Writes one output line (without a newline); `body` goes inside `response` when there is a status.
    public static func output(_ line: Output) -> String {
        var object: [String: JSONValue] = [
            "id": line.id.map(JSONValue.string) ?? .null, "custom_id": .string(line.customID), "response": .null, "error": .null,
        ]
        if let status = line.statusCode {
            object["response"] = .object([
                "status_code": .number(Double(status)), "request_id": line.requestID.map(JSONValue.string) ?? .null, "body": line.body ?? .null,
            ])
        }
        // An error the body carries (a failed call's envelope) stays there; the line's own goes beside it.
        var bodyHasError = false
        if case .object(let body) = line.body, body["error"] != nil { bodyHasError = true }
        if let code = line.errorCode, !bodyHasError {
            object["error"] = .object(["code": .string(code), "message": .string(line.errorMessage ?? "")])
        }
        return JSONValue.object(object).jsonString()
    }
}
