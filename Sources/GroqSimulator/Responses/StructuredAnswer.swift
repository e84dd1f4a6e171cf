import Foundation

/// What the simulator answers to a request with a `response_format`: JSON that conforms to the schema
/// (deterministic per request), or, in best-effort mode and when a fault is drawn, JSON that does not.
///
/// It reads schemas with Foundation alone, independently of groqbatch's own validator, so the two check
/// each other in the tests.
struct StructuredAnswer {
    enum Mode {
        /// `json_object`: any object.
        case object
        /// `json_schema`: the schema, strictly or on a best-effort basis.
        case schema([String: Any], strict: Bool)
    }

    let mode: Mode

    /// The request's structured-output mode; nil for plain text.
    init?(request: [String: Any]) {
        guard let format = request["response_format"] as? [String: Any] else { return nil }
        switch format["type"] as? String {
        case "json_object": mode = .object
        case "json_schema":
            let spec = format["json_schema"] as? [String: Any] ?? [:]
            mode = .schema(spec["schema"] as? [String: Any] ?? [:], strict: spec["strict"] as? Bool ?? false)
        default: return nil
        }
    }

    /// Whether a schema is asked for (not just any JSON object): only then can an answer break one.
    var hasSchema: Bool {
        if case .schema = mode { return true }
        return false
    }

    var isStrict: Bool {
        if case .schema(_, true) = mode { return true }
        return false
    }

    /// Why Groq would refuse this strict schema (every object closed, every property required), or nil.
    func strictProblem() -> String? {
        guard case .schema(let schema, true) = mode else { return nil }
        return Self.strictProblem(schema)
    }

    private static func strictProblem(_ schema: [String: Any]) -> String? {
        if let properties = schema["properties"] as? [String: Any] {
            guard schema["additionalProperties"] as? Bool == false else { return "additionalProperties:false must be set on every object" }
            let required = Set(schema["required"] as? [String] ?? [])
            if let missing = properties.keys.sorted().first(where: { !required.contains($0) }) {
                return "all fields must be required; '\(missing)' is not"
            }
            for key in properties.keys.sorted() {
                if let sub = properties[key] as? [String: Any], let problem = strictProblem(sub) { return problem }
            }
        }
        for key in ["items", "$defs", "definitions"] {
            if let sub = schema[key] as? [String: Any] {
                let nested = key == "items" ? [sub] : sub.values.compactMap { $0 as? [String: Any] }
                for child in nested { if let problem = strictProblem(child) { return problem } }
            }
        }
        return nil
    }

    /// The answer's text: conforming JSON, or with `violate` JSON that breaks the schema.
    func text(seed: UInt64, violate: Bool) -> String {
        var random = SplitMix64(seed: seed)
        let value: Any
        switch mode {
        case .object:
            let object = ["answer": Self.words(&random, count: 3)]
            value = violate ? Self.broken(object, schema: [:]) : object
        case .schema(let schema, _):
            let conforming = Self.value(for: schema, root: schema, random: &random, depth: 0)
            value = violate ? Self.broken(conforming, schema: schema) : conforming
        }
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// JSON cut off in the middle: what a model that lost track writes.
    static func notJSON(_ text: String) -> String { "Here is the JSON you asked for: " + String(text.prefix(max(1, text.count / 2))) }

    static func value(for schema: Any?, root: [String: Any], random: inout SplitMix64, depth: Int) -> Any {
        guard let schema = schema as? [String: Any], depth < 12 else { return words(&random, count: 2) }
        if let reference = schema["$ref"] as? String, reference.hasPrefix("#/") {
            var node: Any? = root
            for step in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(step)] }
            return value(for: node, root: root, random: &random, depth: depth + 1)
        }
        if let constant = schema["const"] { return constant }
        if let options = schema["enum"] as? [Any], !options.isEmpty { return options[Int(random.next() % UInt64(options.count))] }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let options = schema[key] as? [Any], let first = options.first { return value(for: first, root: root, random: &random, depth: depth + 1) }
        }
        let types = (schema["type"] as? String).map { [$0] } ?? (schema["type"] as? [String]) ?? []
        let type = types.first { $0 != "null" } ?? types.first ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            var object: [String: Any] = [:]
            for (key, sub) in (schema["properties"] as? [String: Any] ?? [:]) {
                object[key] = value(for: sub, root: root, random: &random, depth: depth + 1)
            }
            return object
        case "array":
            let minimum = schema["minItems"] as? Int ?? 1
            let maximum = max(minimum, schema["maxItems"] as? Int ?? 3)
            let count = minimum + Int(random.next() % UInt64(min(maximum, minimum + 2) - minimum + 1))
            return (0..<count).map { _ in value(for: schema["items"], root: root, random: &random, depth: depth + 1) }
        case "integer", "number":
            let low = (schema["minimum"] as? NSNumber)?.intValue ?? 0
            let high = max(low, (schema["maximum"] as? NSNumber)?.intValue ?? low + 100)
            return low + Int(random.next() % UInt64(high - low + 1))
        case "boolean": return random.next() % 2 == 0
        case "null": return NSNull()
        default:
            var text = words(&random, count: 1 + Int(random.next() % 3))
            if let minimum = schema["minLength"] as? Int, text.count < minimum { text += String(repeating: "x", count: minimum - text.count) }
            if let maximum = schema["maxLength"] as? Int, text.count > maximum { text = String(text.prefix(maximum)) }
            return text
        }
    }

    /// A value that breaks the schema: a required field gone, else a field no schema allows, else a number.
    static func broken(_ value: Any, schema: [String: Any]) -> Any {
        guard var object = value as? [String: Any] else { return 42 }
        if let required = schema["required"] as? [String], let first = required.first {
            object[first] = nil
        } else {
            object["unexpected_field"] = true
        }
        return object
    }

    static func words(_ random: inout SplitMix64, count: Int) -> String {
        (0..<count).map { _ in CompletionGenerator.vocabulary[Int(random.next() % UInt64(CompletionGenerator.vocabulary.count))] }.joined(separator: " ")
    }
}
