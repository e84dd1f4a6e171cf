import Foundation

/// A JSON Schema as structured outputs use it, checked once and then used to validate every answer.
///
/// It validates the keywords of draft 2020-12 that Groq's and OpenAI's structured outputs use: `type`
/// (one or a list), `properties`, `required`, `additionalProperties`, `enum`, `const`, `items`,
/// `minItems`/`maxItems`, `uniqueItems`, `anyOf`/`allOf`/`oneOf`/`not`, `$ref` into the same document
/// (`$defs`, `definitions`, `#`), `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`,
/// `minLength`/`maxLength` (in code points), `pattern` (unanchored, as `re.search`),
/// `minProperties`/`maxProperties`, and `true`/`false` schemas. `format`, `title`, `description` and
/// other annotations are read and not checked, as validators do by default. A keyword it cannot check
/// (`patternProperties`, `if`, `prefixItems`, `multipleOf`, ...) makes the schema unusable, with the
/// keyword named, rather than silently accepting answers it was meant to reject.
///
/// A differential test holds it to Python's `jsonschema` (Draft202012Validator) over generated
/// schemas and documents.
public struct JSONSchema: Sendable, Equatable {
    /// The schema document as given.
    public let document: JSONValue

    /// Keywords that constrain answers but are not checked here.
    static let unsupported: Set<String> = [
        "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas", "dependencies", "if", "then", "else",
        "prefixItems", "contains", "minContains", "maxContains", "unevaluatedProperties", "unevaluatedItems", "multipleOf",
        "$dynamicRef", "$recursiveRef", "contentSchema",
    ]
    /// The types `type` may name.
    static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]
    /// Deeper than this, a `$ref` that refers back to itself without consuming the answer is a loop.
    static let maxDepth = 128

    /// Checks that every keyword can be validated and every `$ref` resolves.
    public init(_ document: JSONValue) throws(SchemaProblem) {
        self.document = document
        try check(document, at: "")
    }

    /// Parses and checks schema text (a file's content).
    public init(text: String) throws(SchemaProblem) {
        let value: JSONValue
        do { value = try JSONValue.decode(Array(text.utf8)) } catch {
            throw SchemaProblem(pointer: "", message: "not valid JSON: \(error)")
        }
        try self.init(value)
    }

    private func check(_ schema: JSONValue, at pointer: String) throws(SchemaProblem) {
        switch schema {
        case .bool: return
        case .object(let keywords):
            for (keyword, value) in keywords.sorted(by: { $0.key < $1.key }) {
                let here = SchemaViolation.appending(pointer, keyword)
                if Self.unsupported.contains(keyword) {
                    throw SchemaProblem(pointer: here, message: "'\(keyword)' is not supported by groqbatch's validator")
                }
                try check(keyword: keyword, value: value, at: here)
            }
        default:
            throw SchemaProblem(pointer: pointer, message: "a schema must be an object or a boolean, found \(schema.typeName)")
        }
    }

    private func check(keyword: String, value: JSONValue, at pointer: String) throws(SchemaProblem) {
        switch keyword {
        case "properties", "$defs", "definitions":
            guard let members = value.objectValue else { throw SchemaProblem(pointer: pointer, message: "expected an object of schemas") }
            for (name, schema) in members { try check(schema, at: SchemaViolation.appending(pointer, name)) }
        case "additionalProperties", "items", "not":
            if case .array = value { throw SchemaProblem(pointer: pointer, message: "the array form of '\(keyword)' is not supported") }
            try check(value, at: pointer)
        case "anyOf", "allOf", "oneOf":
            guard let schemas = value.arrayValue, !schemas.isEmpty else {
                throw SchemaProblem(pointer: pointer, message: "expected a non-empty array of schemas")
            }
            for (index, schema) in schemas.enumerated() { try check(schema, at: pointer + "/\(index)") }
        case "required":
            guard let names = value.arrayValue, names.allSatisfy({ $0.stringValue != nil }) else {
                throw SchemaProblem(pointer: pointer, message: "expected an array of property names")
            }
        case "type":
            let names = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
            guard !names.isEmpty, names.allSatisfy(Self.typeNames.contains), value.arrayValue.map({ $0.count == names.count }) ?? true else {
                throw SchemaProblem(pointer: pointer, message: "expected one of \(Self.typeNames.sorted().joined(separator: ", ")) or a list of them")
            }
        case "enum":
            guard value.arrayValue != nil else { throw SchemaProblem(pointer: pointer, message: "expected an array") }
        case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
            guard value.numberValue != nil else { throw SchemaProblem(pointer: pointer, message: "expected a number") }
        case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
            guard let number = value.numberValue, number >= 0, number == number.rounded() else {
                throw SchemaProblem(pointer: pointer, message: "expected a non-negative integer")
            }
        case "uniqueItems":
            guard case .bool = value else { throw SchemaProblem(pointer: pointer, message: "expected true or false") }
        case "pattern":
            guard let pattern = value.stringValue, SchemaPattern(pattern) != nil else {
                throw SchemaProblem(pointer: pointer, message: "expected an ECMA-262 regular expression (JSON Schema's dialect) this validator can compile")
            }
        case "$ref":
            guard let reference = value.stringValue else { throw SchemaProblem(pointer: pointer, message: "expected a string") }
            guard resolve(reference) != nil else {
                throw SchemaProblem(
                    pointer: pointer, message: "'\(reference)' does not resolve (only references into this schema, such as #/$defs/name, are supported)")
            }
        default:
            // Annotations (title, description, format, default, examples, ...) and keywords unknown to
            // every draft are ignored, as the specification says.
            return
        }
    }

    /// The schema a local reference (`#`, `#/$defs/name`) points to.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        let pointer = reference.dropFirst()
        if pointer.isEmpty { return document }
        guard pointer.hasPrefix("/") else { return nil }
        var node = document
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let step = String(raw).removingPercentEncodingIfPossible.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .object(let members):
                guard let next = members[step] else { return nil }
                node = next
            case .array(let items):
                guard let index = Int(step), items.indices.contains(index) else { return nil }
                node = items[index]
            default: return nil
            }
        }
        return node
    }
}

extension String {
    /// `%25` and the like in a `$ref`'s pointer, decoded when they are well formed.
    fileprivate var removingPercentEncodingIfPossible: String { removingPercentEncoding ?? self }
}
