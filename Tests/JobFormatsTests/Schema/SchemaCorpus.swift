import JobFormats
import TestSupport

/// A seeded generator of JSON Schemas (the keywords `JSONSchema` supports) and of documents near them:
/// each document is built to conform and then, half the time, bent in one place, so the corpus holds
/// both verdicts and many edge cases (bounds met exactly, 1.0 as an integer, non-ASCII lengths).
struct SchemaCorpus {
    /// The same seed, the same corpus, on every machine.
    typealias Random = SeededRandom

    var random: Random
    static let words = ["alpha", "beta", "gamma", "Zürich", "日本語", "naïve", "a", "", "x y", "👍🏽ok", "3", "A1"]
    static let patterns = ["^[a-z]+$", "\\d", "^A", "a|b", "^[^@]+@[^@]+$", "z$", "^.{2,4}$"]
    static let names = ["id", "name", "tags", "score", "kind", "nested", "when", "n"]

    init(seed: UInt64) { random = Random(state: seed) }

    mutating func schema(depth: Int = 0) -> JSONValue {
        let leaf = depth >= 3 || random.chance(35)
        if random.chance(3) { return .bool(random.chance(80)) }
        var keywords: [String: JSONValue] = [:]
        let kind =
            leaf
            ? random.pick(["string", "number", "integer", "boolean", "null", "enum", "const"])
            : random.pick(["object", "array", "anyOf", "allOf", "oneOf", "not", "types"])
        switch kind {
        case "string":
            keywords["type"] = "string"
            if random.chance(40) { keywords["minLength"] = .number(Double(random.below(4))) }
            if random.chance(40) { keywords["maxLength"] = .number(Double(2 + random.below(6))) }
            if random.chance(30) { keywords["pattern"] = .string(random.pick(Self.patterns)) }
            if random.chance(20) { keywords["format"] = .string(random.pick(["date-time", "email", "uuid"])) }
        case "number", "integer":
            keywords["type"] = .string(kind)
            if random.chance(40) { keywords["minimum"] = .number(Double(random.below(10)) - 5) }
            if random.chance(40) { keywords["maximum"] = .number(Double(random.below(10))) }
            if random.chance(20) { keywords["exclusiveMinimum"] = .number(Double(random.below(6)) - 3 + (random.chance(50) ? 0.5 : 0)) }
            if random.chance(20) { keywords["exclusiveMaximum"] = .number(Double(random.below(10)) + 1) }
        case "boolean", "null":
            keywords["type"] = .string(kind)
        case "enum":
            keywords["enum"] = .array((0..<(1 + random.below(4))).map { _ in scalar() })
        case "const":
            keywords["const"] = scalar()
        case "types":
            keywords["type"] = .array(
                ["string", "null", "integer", "number", "boolean", "array", "object"].filter { _ in random.chance(35) }.map { .string($0) } + ["null"])
        case "object":
            keywords["type"] = "object"
            var properties: [String: JSONValue] = [:]
            for name in Self.names where random.chance(30) { properties[name] = schema(depth: depth + 1) }
            keywords["properties"] = .object(properties)
            let required = properties.keys.sorted().filter { _ in random.chance(60) }
            if !required.isEmpty || random.chance(30) { keywords["required"] = .array(required.map { .string($0) }) }
            if random.chance(50) { keywords["additionalProperties"] = random.chance(70) ? .bool(false) : schema(depth: 3) }
            if random.chance(10) { keywords["minProperties"] = .number(Double(random.below(3))) }
            if random.chance(10) { keywords["maxProperties"] = .number(Double(1 + random.below(3))) }
            // References go to the root's $defs, as schemas usually keep them.
            if depth == 0 && random.chance(40) {
                keywords["$defs"] = .object(["item": schema(depth: 3)])
                keywords["properties"] = .object(properties.merging(["ref": .object(["$ref": "#/$defs/item"])]) { $1 })
            }
        case "array":
            keywords["type"] = "array"
            keywords["items"] = schema(depth: depth + 1)
            if random.chance(30) { keywords["minItems"] = .number(Double(random.below(3))) }
            if random.chance(30) { keywords["maxItems"] = .number(Double(1 + random.below(4))) }
            if random.chance(20) { keywords["uniqueItems"] = .bool(true) }
        case "not":
            keywords["not"] = schema(depth: depth + 1)
        default:
            keywords[kind] = .array((0..<(1 + random.below(3))).map { _ in schema(depth: depth + 1) })
        }
        if random.chance(10) { keywords["description"] = "annotation only" }
        return .object(keywords)
    }

    mutating func scalar() -> JSONValue {
        switch random.below(6) {
        case 0: .string(random.pick(Self.words))
        case 1: .number(Double(random.below(12)) - 4)
        case 2: .number(Double(random.below(12)) - 4 + random.pick([0.5, 0.25, 0]))
        case 3: .bool(random.chance(50))
        case 4: .null
        default: .string(String(random.below(100)))
        }
    }

    /// A document shaped by `schema` (conforming where the generator can tell), bent now and then.
    mutating func instance(for schema: JSONValue, root: JSONValue, depth: Int = 0) -> JSONValue {
        if random.chance(8) || depth > 6 { return anyValue(depth: depth) }
        guard let keywords = schema.objectValue else { return anyValue(depth: depth) }
        if let reference = keywords["$ref"]?.stringValue, reference.hasPrefix("#/$defs/"),
            let target = root["$defs"]?[String(reference.dropFirst(8))]
        {
            return instance(for: target, root: root, depth: depth + 1)
        }
        if let options = keywords["enum"]?.arrayValue, !options.isEmpty { return random.chance(85) ? random.pick(options) : scalar() }
        if let constant = keywords["const"] { return random.chance(85) ? constant : scalar() }
        for combinator in ["anyOf", "oneOf", "allOf"] {
            if let options = keywords[combinator]?.arrayValue, !options.isEmpty { return instance(for: random.pick(options), root: root, depth: depth + 1) }
        }
        let type = keywords["type"]?.stringValue ?? keywords["type"]?.arrayValue.map { random.pick($0) }?.stringValue ?? "any"
        switch type {
        case "string":
            return .string(random.chance(50) ? random.pick(Self.words) : String(repeating: random.pick(["a", "é", "7", "@"]), count: random.below(7)))
        case "number": return .number(Double(random.below(14)) - 5 + random.pick([0, 0.5]))
        case "integer": return .number(Double(random.below(14)) - 5)
        case "boolean": return .bool(random.chance(50))
        case "null": return .null
        case "array":
            let itemSchema = keywords["items"] ?? .bool(true)
            return .array((0..<random.below(5)).map { _ in instance(for: itemSchema, root: root, depth: depth + 1) })
        case "object":
            var members: [String: JSONValue] = [:]
            for (name, propertySchema) in keywords["properties"]?.objectValue ?? [:] where random.chance(80) {
                members[name] = instance(for: propertySchema, root: root, depth: depth + 1)
            }
            if random.chance(10) { members["extra"] = scalar() }
            return .object(members)
        default:
            return anyValue(depth: depth)
        }
    }

    mutating func anyValue(depth: Int) -> JSONValue {
        switch depth > 3 ? 0 : random.below(8) {
        case 6: .array((0..<random.below(3)).map { _ in anyValue(depth: depth + 1) })
        case 7: .object(["name": anyValue(depth: depth + 1)])
        default: scalar()
        }
    }
}
