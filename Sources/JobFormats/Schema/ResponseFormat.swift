/// A chat body's `response_format`: what the request asked the answer to be, and the check every answer
/// to it gets, whatever the provider promised.
public struct ResponseFormat: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `{"type": "json_object"}`: any JSON object.
        case jsonObject
        /// `{"type": "json_schema", ...}`: a value that conforms to the schema.
        case jsonSchema(JSONSchema)
    }

    public var kind: Kind

    /// Why an answer is not what the request asked for; the job retries it as `schema_mismatch`.
    public struct Mismatch: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static let mismatchCode = "schema_mismatch"

    public init(kind: Kind) { self.kind = kind }

    /// The format a body asks for; nil when it asks for none (or for `text`). A schema this validator
    /// cannot check is an error, as at import.
    public init?(body: [String: JSONValue]) throws(SchemaProblem) {
        guard let format = body["response_format"]?.objectValue else { return nil }
        switch format["type"]?.stringValue {
        case "json_object":
            kind = .jsonObject
        case "json_schema":
            guard let schema = format["json_schema"]?["schema"] else {
                throw SchemaProblem(pointer: "/response_format/json_schema/schema", message: "missing: json_schema needs a schema")
            }
            kind = .jsonSchema(try JSONSchema(schema))
        default:
            return nil
        }
    }

    /// The format of a stored body (JSON text); a body without `response_format` is not parsed.
    public static func of(requestJSON: String) -> ResponseFormat? {
        guard requestJSON.contains("\"response_format\""), let body = try? JSONValue.decode(Array(requestJSON.utf8)).objectValue else {
            return nil
        }
        return try? ResponseFormat(body: body)
    }

    /// The answer parsed (as canonical JSON text) when it is what was asked for.
    public func check(_ content: String?) -> Result<String, Mismatch> {
        guard let content, !content.isEmpty else { return .failure(Mismatch(description: "the answer is empty, not JSON")) }
        let value: JSONValue
        let keys: [String]
        do { (value, keys) = try JSONValue.decodeKeepingKeyOrder(Array(content.utf8)) } catch {
            return .failure(Mismatch(description: "the answer is not JSON: \(error)"))
        }
        switch kind {
        case .jsonObject:
            guard case .object = value else { return .failure(Mismatch(description: "the answer is \(value.typeName), not a JSON object")) }
        case .jsonSchema(let schema):
            if let violation = schema.validate(value) { return .failure(Mismatch(description: "the answer breaks the schema \(violation)")) }
        }
        // The model's order of the top-level fields is kept: `export --fields '*'` follows it.
        if case .object(let members) = value { return .success(JSONValue.orderedObjectString(members, keys: keys)) }
        return .success(value.jsonString())
    }

    /// The body with `json_schema.strict` as the model can honour it: strict only where the model
    /// decodes under constraints and the request wanted it (a strict request to another model would be
    /// refused outright; best effort is checked here anyway).
    public static func body(_ body: String, strictAllowed: Bool) -> String {
        guard body.contains("\"json_schema\""), var object = (try? JSONValue.decode(Array(body.utf8)))?.objectValue,
            var format = object["response_format"]?.objectValue, format["type"] == "json_schema",
            var schema = format["json_schema"]?.objectValue
        else { return body }
        let wanted = schema["strict"] != .bool(false)
        let strict = wanted && strictAllowed
        if schema["strict"] == .bool(strict) { return body }
        schema["strict"] = .bool(strict)
        format["json_schema"] = .object(schema)
        object["response_format"] = .object(format)
        return JSONValue.object(object).jsonString()
    }
}
