extension JSONSchema {
    /// Why Groq's strict mode (constrained decoding) cannot take this schema, or nil when it can.
    ///
    /// Strict mode requires, on every object schema, `additionalProperties: false` and every property in
    /// `required` (an optional field is spelled as a required one whose type allows null). The check
    /// walks every subschema: properties, items, the combinators and `$defs`.
    public var strictModeProblem: SchemaProblem? {
        Self.strictProblem(document, at: "")
    }

    private static func strictProblem(_ schema: JSONValue, at pointer: String) -> SchemaProblem? {
        guard let keywords = schema.objectValue else { return nil }
        let isObject =
            keywords["properties"] != nil || keywords["type"]?.stringValue == "object"
            || keywords["type"]?.arrayValue?.contains(.string("object")) == true
        if isObject {
            guard case .bool(false) = keywords["additionalProperties"] else {
                return SchemaProblem(pointer: pointer, message: "strict mode needs \"additionalProperties\": false on every object")
            }
            let required = Set(keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if let missing = (keywords["properties"]?.objectValue ?? [:]).keys.sorted().first(where: { !required.contains($0) }) {
                return SchemaProblem(
                    pointer: pointer,
                    message: "strict mode needs every property in \"required\"; '\(missing)' is not (make it required and allow null instead)")
            }
        }
        for keyword in ["properties", "$defs", "definitions"] {
            for (name, sub) in (keywords[keyword]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let problem = strictProblem(sub, at: SchemaViolation.appending(SchemaViolation.appending(pointer, keyword), name)) { return problem }
            }
        }
        for keyword in ["items", "additionalProperties", "not"] {
            if let sub = keywords[keyword], let problem = strictProblem(sub, at: SchemaViolation.appending(pointer, keyword)) { return problem }
        }
        for keyword in ["anyOf", "allOf", "oneOf"] {
            for (index, sub) in (keywords[keyword]?.arrayValue ?? []).enumerated() {
                if let problem = strictProblem(sub, at: SchemaViolation.appending(pointer, keyword) + "/\(index)") { return problem }
            }
        }
        return nil
    }
}
