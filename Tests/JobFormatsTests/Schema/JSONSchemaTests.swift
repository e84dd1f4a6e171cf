import JobFormats
import Testing

/// What the validator says and where, and which schemas it refuses.
struct JSONSchemaTests {
    static let ticket = """
        {"type": "object", "additionalProperties": false, "required": ["category", "people", "meta"],
         "properties": {
           "category": {"enum": ["billing", "bug", "other"]},
           "people": {"type": "array", "items": {"$ref": "#/$defs/person"}, "maxItems": 3},
           "meta": {"type": "object", "required": ["score"], "additionalProperties": false,
                    "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 10}}}},
         "$defs": {"person": {"type": "object", "required": ["name"], "additionalProperties": false,
                              "properties": {"name": {"type": "string", "minLength": 1, "pattern": "^[A-Z]"}}}}}
        """

    func violation(_ answer: String) throws -> SchemaViolation? {
        try JSONSchema(text: Self.ticket).validate(JSONValue.decode(Array(answer.utf8)))
    }

    @Test func aConformingAnswerPasses() throws {
        #expect(try violation(#"{"category": "bug", "people": [{"name": "Ida"}], "meta": {"score": 3.0}}"#) == nil)
    }

    @Test func eachViolationNamesItsPointerAndRule() throws {
        let cases: [(String, String, String)] = [
            (#"{"category": "spam", "people": [], "meta": {"score": 1}}"#, "/category", "enum"),
            (#"{"category": "bug", "people": [{"name": "ann"}], "meta": {"score": 1}}"#, "/people/0/name", "pattern"),
            (#"{"category": "bug", "people": [{}], "meta": {"score": 1}}"#, "/people/0", "required"),
            (#"{"category": "bug", "people": [], "meta": {"score": 1.5}}"#, "/meta/score", "type"),
            (#"{"category": "bug", "people": [], "meta": {"score": 11}}"#, "/meta/score", "maximum"),
            (#"{"category": "bug", "people": [], "meta": {"score": 1}, "x": 1}"#, "", "additionalProperties"),
            (#"{"category": "bug", "people": [{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}], "meta": {"score": 1}}"#, "/people", "maxItems"),
            (#"[1]"#, "", "type"),
        ]
        for (answer, pointer, keyword) in cases {
            let found = try #require(try violation(answer), "\(answer) should fail")
            #expect(found.pointer == pointer && found.keyword == keyword, "\(answer): \(found)")
        }
        let found = try #require(try violation(#"{"category": "spam", "people": [], "meta": {"score": 1}}"#))
        #expect(found.description == #"at /category: "spam" is not one of "billing", "bug", "other" (enum)"#)
    }

    @Test func lengthsCountCodePointsAndPatternsSearch() throws {
        let schema = try JSONSchema(text: #"{"type": "string", "maxLength": 3, "pattern": "b"}"#)
        #expect(schema.accepts("日本b"))
        #expect(!schema.accepts("日本語b"))
        #expect(!schema.accepts("abc") == false)
        #expect(!schema.accepts("ac"))
    }

    @Test func schemasItCannotCheckAreRefusedWithTheKeyword() {
        #expect(throws: SchemaProblem(pointer: "/properties/a/patternProperties", message: "'patternProperties' is not supported by groqbatch's validator")) {
            try JSONSchema(text: #"{"properties": {"a": {"patternProperties": {}}}}"#)
        }
        #expect(throws: SchemaProblem.self) { try JSONSchema(text: ##"{"$ref": "#/$defs/missing"}"##) }
        #expect(throws: SchemaProblem.self) { try JSONSchema(text: #"{"$ref": "https://example.com/schema"}"#) }
        #expect(throws: SchemaProblem.self) { try JSONSchema(text: #"{"type": "text"}"#) }
        #expect(throws: SchemaProblem.self) { try JSONSchema(text: #"{"type": "object""#) }
        #expect(throws: SchemaProblem.self) { try JSONSchema(text: #"{"items": [{"type": "string"}]}"#) }
    }

    @Test func strictModeNeedsClosedObjectsWithEveryPropertyRequired() throws {
        #expect(try JSONSchema(text: Self.ticket).strictModeProblem == nil)
        let open = try JSONSchema(text: #"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}"#)
        #expect(open.strictModeProblem?.message.contains("additionalProperties") == true)
        let optional = try JSONSchema(
            text:
                #"{"type": "object", "additionalProperties": false, "properties": {"a": {"type": "object", "properties": {"b": {}}, "additionalProperties": false}}, "required": ["a"]}"#
        )
        #expect(optional.strictModeProblem?.pointer == "/properties/a")
        #expect(optional.strictModeProblem?.message.contains("'b'") == true)
    }

    @Test func aSelfReferenceThatConsumesNothingEndsAsAViolation() throws {
        let loop = try JSONSchema(text: ##"{"$ref": "#"}"##)
        #expect(loop.validate(.null)?.keyword == "$ref")
    }
}
