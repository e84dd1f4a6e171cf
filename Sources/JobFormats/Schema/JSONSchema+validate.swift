extension JSONSchema {
    /// The first place `instance` breaks the schema, or nil when it conforms. Keywords are checked in
    /// a fixed order, so the same answer always gets the same message.
    public func validate(_ instance: JSONValue) -> SchemaViolation? {
        var patterns: [String: SchemaPattern] = [:]
        return violation(of: document, by: instance, at: "", depth: 0, patterns: &patterns)
    }

    /// Whether `instance` conforms.
    public func accepts(_ instance: JSONValue) -> Bool { validate(instance) == nil }

    private func violation(
        of schema: JSONValue, by instance: JSONValue, at pointer: String, depth: Int, patterns: inout [String: SchemaPattern]
    ) -> SchemaViolation? {
        func fail(_ keyword: String, _ message: String) -> SchemaViolation { SchemaViolation(pointer: pointer, keyword: keyword, message: message) }
        guard depth < Self.maxDepth else { return fail("$ref", "the schema refers to itself without end") }
        let keywords: [String: JSONValue]
        switch schema {
        case .bool(let allowed): return allowed ? nil : fail("false", "no value is allowed here")
        case .object(let members): keywords = members
        default: return nil
        }
        func sub(_ schema: JSONValue, _ value: JSONValue, _ path: String) -> SchemaViolation? {
            violation(of: schema, by: value, at: path, depth: depth + 1, patterns: &patterns)
        }
        if let reference = keywords["$ref"]?.stringValue, let target = resolve(reference), let found = sub(target, instance, pointer) { return found }
        if let types = keywords["type"] {
            let names = types.stringValue.map { [$0] } ?? types.arrayValue?.compactMap(\.stringValue) ?? []
            if !names.contains(where: { Self.instance(instance, isOfType: $0) }) {
                return fail("type", "\(Self.describe(instance)) is not \(names.map(Self.article).joined(separator: " or "))")
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, instance) }) {
            return fail("enum", "\(Self.describe(instance)) is not one of \(options.map { $0.jsonString() }.joined(separator: ", "))")
        }
        if let constant = keywords["const"], !Self.equal(constant, instance) {
            return fail("const", "\(Self.describe(instance)) is not \(constant.jsonString())")
        }
        switch instance {
        case .number(let number):
            if let found = numberViolation(number, keywords, fail) { return found }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = keywords["minLength"]?.numberValue, Double(length) < minimum {
                return fail("minLength", "shorter than \(Int(minimum)) characters")
            }
            if let maximum = keywords["maxLength"]?.numberValue, Double(length) > maximum { return fail("maxLength", "longer than \(Int(maximum)) characters") }
            if let pattern = keywords["pattern"]?.stringValue {
                if patterns[pattern] == nil { patterns[pattern] = SchemaPattern(pattern) }
                if let compiled = patterns[pattern], !compiled.isFound(in: text) { return fail("pattern", "does not match \(pattern)") }
            }
        case .array(let items):
            if let minimum = keywords["minItems"]?.numberValue, Double(items.count) < minimum { return fail("minItems", "fewer than \(Int(minimum)) items") }
            if let maximum = keywords["maxItems"]?.numberValue, Double(items.count) > maximum { return fail("maxItems", "more than \(Int(maximum)) items") }
            if case .bool(true) = keywords["uniqueItems"], let (first, second) = Self.repeated(items) {
                return fail("uniqueItems", "items \(first) and \(second) are equal")
            }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() {
                    if let found = sub(itemSchema, item, pointer + "/\(index)") { return found }
                }
            }
        case .object(let members):
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                return fail("required", "'\(name)' is missing")
            }
            if let minimum = keywords["minProperties"]?.numberValue, Double(members.count) < minimum {
                return fail("minProperties", "fewer than \(Int(minimum)) properties")
            }
            if let maximum = keywords["maxProperties"]?.numberValue, Double(members.count) > maximum {
                return fail("maxProperties", "more than \(Int(maximum)) properties")
            }
            let properties = keywords["properties"]?.objectValue ?? [:]
            for name in members.keys.sorted() {
                let path = SchemaViolation.appending(pointer, name)
                if let propertySchema = properties[name] {
                    if let found = sub(propertySchema, members[name]!, path) { return found }
                } else if let additional = keywords["additionalProperties"] {
                    if case .bool(false) = additional { return fail("additionalProperties", "'\(name)' is not an allowed property") }
                    if let found = sub(additional, members[name]!, path) { return found }
                }
            }
        default:
            break
        }
        if let schemas = keywords["allOf"]?.arrayValue {
            for schema in schemas { if let found = sub(schema, instance, pointer) { return found } }
        }
        if let schemas = keywords["anyOf"]?.arrayValue, !schemas.contains(where: { sub($0, instance, pointer) == nil }) {
            return fail("anyOf", "matches none of the \(schemas.count) schemas of anyOf")
        }
        if let schemas = keywords["oneOf"]?.arrayValue {
            let matching = schemas.filter { sub($0, instance, pointer) == nil }.count
            if matching != 1 { return fail("oneOf", "matches \(matching) of the schemas of oneOf, not exactly one") }
        }
        if let negated = keywords["not"], sub(negated, instance, pointer) == nil { return fail("not", "matches the schema under not") }
        return nil
    }

    private func numberViolation(_ number: Double, _ keywords: [String: JSONValue], _ fail: (String, String) -> SchemaViolation) -> SchemaViolation? {
        let text = JSONValue.number(number).jsonString()
        if let bound = keywords["minimum"]?.numberValue, number < bound {
            return fail("minimum", "\(text) is less than \(JSONValue.number(bound).jsonString())")
        }
        if let bound = keywords["maximum"]?.numberValue, number > bound {
            return fail("maximum", "\(text) is more than \(JSONValue.number(bound).jsonString())")
        }
        if let bound = keywords["exclusiveMinimum"]?.numberValue, number <= bound {
            return fail("exclusiveMinimum", "\(text) is not more than \(JSONValue.number(bound).jsonString())")
        }
        if let bound = keywords["exclusiveMaximum"]?.numberValue, number >= bound {
            return fail("exclusiveMaximum", "\(text) is not less than \(JSONValue.number(bound).jsonString())")
        }
        return nil
    }

    static func instance(_ value: JSONValue, isOfType name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number), ("string", .string): true
        // Draft 6 and later: a number with no fraction is an integer, 1.0 as much as 1.
        case ("integer", .number(let number)): number.isFinite && number == number.rounded()
        default: false
        }
    }

    /// JSON equality: numbers by value (1 and 1.0 are equal), `true` never equal to 1.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool { left == right }

    /// The first two equal items, by index.
    static func repeated(_ items: [JSONValue]) -> (Int, Int)? {
        var seen: [JSONValue: Int] = [:]
        for (index, item) in items.enumerated() {
            if let earlier = seen[item] { return (earlier, index) }
            seen[item] = index
        }
        return nil
    }

    static func describe(_ value: JSONValue) -> String {
        let text = value.jsonString()
        return text.count > 40 ? String(text.prefix(37)) + "..." : text
    }

    static func article(_ type: String) -> String {
        switch type {
        case "null": "null"
        case "integer", "object", "array": "an \(type)"
        default: "a \(type)"
        }
    }
}
