import Foundation

// Import parses and re-writes every line's body, a million times for a large file: both directions are
// written for that (measured: see JSONParser), and tested against Foundation's JSON.
extension JSONValue {
    /// Decodes one JSON document (strict RFC 8259).
    public static func decode(_ data: some Collection<UInt8>) throws -> JSONValue {
        let parsed =
            data.withContiguousStorageIfAvailable { buffer in
                Result { () throws(JSONParser.Failure) in try JSONParser.parse(buffer) }
            }
            ?? Array(data).withUnsafeBufferPointer { buffer in
                Result { () throws(JSONParser.Failure) in try JSONParser.parse(buffer) }
            }
        return try parsed.get()
    }

    /// Decodes one JSON document and gives its outermost object's keys in the order written: a row's
    /// columns keep their order from the data file to the export.
    public static func decodeKeepingKeyOrder(_ bytes: [UInt8]) throws -> (value: JSONValue, keys: [String]) {
        try bytes.withUnsafeBufferPointer { buffer in
            try Result { () throws(JSONParser.Failure) in try JSONParser.parseKeepingKeyOrder(buffer) }.get()
        }
    }

    /// An object's JSON text with its keys in the given order (then any others, sorted).
    public static func orderedObjectString(_ members: [String: JSONValue], keys: [String]) -> String {
        let ordered = keys.filter { members[$0] != nil } + members.keys.filter { !keys.contains($0) }.sorted()
        return "{" + ordered.map { JSONValue.string($0).jsonString() + ":" + members[$0]!.jsonString() }.joined(separator: ",") + "}"
    }

    /// The compact JSON text of the value, keys sorted so the same value always gives the same text.
    public func jsonString() -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The JSON text indented two spaces a level, keys sorted: what `--json` prints for people and scripts.
    public func prettyJSONString() -> String {
        var output: [UInt8] = []
        writePretty(to: &output, depth: 0)
        return String(decoding: output, as: UTF8.self)
    }

    func writePretty(to output: inout [UInt8], depth: Int) {
        func indent(_ level: Int) { output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2)) }
        switch self {
        case .array(let values) where !values.isEmpty:
            output.append(contentsOf: "[\n".utf8)
            for (index, value) in values.enumerated() {
                indent(depth + 1)
                value.writePretty(to: &output, depth: depth + 1)
                output.append(contentsOf: (index < values.count - 1 ? ",\n" : "\n").utf8)
            }
            indent(depth)
            output.append(UInt8(ascii: "]"))
        case .object(let fields) where !fields.isEmpty:
            output.append(contentsOf: "{\n".utf8)
            for (index, key) in fields.keys.sorted().enumerated() {
                indent(depth + 1)
                Self.writeString(key, to: &output)
                output.append(contentsOf: " : ".utf8)
                fields[key]!.writePretty(to: &output, depth: depth + 1)
                output.append(contentsOf: (index < fields.count - 1 ? ",\n" : "\n").utf8)
            }
            indent(depth)
            output.append(UInt8(ascii: "}"))
        default:
            write(to: &output)
        }
    }

    /// A number as plain decimal digits, never in exponent form: `0.000081`, not `8.1e-05`. The digits are
    /// the shortest that read back as the same double, so nothing is rounded.
    public static func plainDecimal(_ value: Double) -> String {
        let shortest = "\(value)"
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(shortest[shortest.index(after: e)...]) else {
            return shortest
        }
        var mantissa = String(shortest[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        while text.hasPrefix("0"), text.count > 1, !text.hasPrefix("0.") { text.removeFirst() }
        return (negative ? "-" : "") + text
    }

    func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            if let integer = integerValue { output.append(contentsOf: String(integer).utf8) } else { output.append(contentsOf: Self.plainDecimal(value).utf8) }
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let fields):
            output.append(UInt8(ascii: "{"))
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                fields[key]!.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped, the rest as is.
    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        // Runs of bytes that need no escape (nearly all of them) are copied at once.
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let hex = String(byte, radix: 16)
                    output.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }
}
