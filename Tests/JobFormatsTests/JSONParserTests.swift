import Foundation
import Testing

@testable import JobFormats

/// The hand-written parser must agree with Foundation's JSONSerialization on what is JSON and what it means.
struct JSONParserTests {
    static let valid = [
        #"{}"#, #"[]"#, #"{"a":[]}"#, #" { "a" : 1 , "b" : [ true , false , null ] } "#, #""text""#, "0", "-0", "12.5e-3",
        #"{"emoji":"𝄞 \ud834\udd1e","esc":"\"\\\/\b\f\n\r\t\u00e9\u0000"}"#, #"[1E5,-2.5E+2,0.000001,123456789012]"#,
        #"{"deep":[[[[{"x":{"y":[1,[2,[3]]]}}]]]]}"#, #"{"dup":1,"dup":2}"#, "\t\n[1]\r\n", #"{"é":"ü"}"#,
    ]

    static let invalid = [
        "", " ", "{", "}", "{a:1}", "{'a':1}", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]",
        "tru", "nul", "[true false]", "{\"a\" 1}", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud834\"",
        "\"\\udd1e\"", "[1] [2]", "\"tab\there\"", "{\"a\":1}x", "[NaN]", "[Infinity]",
    ]

    @Test(arguments: valid)
    func acceptsWhatFoundationAccepts(text: String) throws {
        let ours = try JSONValue.decode(Array(text.utf8))
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(ours == JSONValue(foundation: theirs))
        #expect(try JSONValue.decode(Array(ours.jsonString().utf8)) == ours, "writing and reading again changes nothing")
    }

    @Test(arguments: invalid)
    func rejectsWhatFoundationRejects(text: String) {
        #expect(throws: (any Error).self) { _ = try JSONValue.decode(Array(text.utf8)) }
        #expect(throws: (any Error).self) { _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    }

    /// Foundation on Linux tolerates trailing commas; RFC 8259 (and Python's json, and Groq) do not.
    @Test(arguments: ["[1,]", #"{"a":1,}"#])
    func trailingCommasAreRejected(text: String) {
        #expect(throws: (any Error).self) { _ = try JSONValue.decode(Array(text.utf8)) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: (any Error).self) { _ = try JSONValue.decode(Array(deep.utf8)) }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try JSONValue.decode(Array(#"{"a": tru}"#.utf8))
        } catch {
            #expect("\(error)" == "invalid literal at character 7")
        }
    }
}

extension JSONValue {
    /// What JSONSerialization returns, as a JSONValue (for comparisons only).
    init(foundation value: Any) {
        switch value {
        case let text as String: self = .string(text)
        case let number as NSNumber:
            self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let object as [String: Any]: self = .object(object.mapValues(JSONValue.init(foundation:)))
        case let array as [Any]: self = .array(array.map(JSONValue.init(foundation:)))
        default: self = .null
        }
    }
}
