import Foundation
import JobFormats
import Testing

struct ImportLineParserTests {
    let parser = ImportLineParser(file: "in.jsonl")

    func parse(_ line: String, number: Int = 7, parser: ImportLineParser? = nil) throws(ImportIssue) -> ParsedJob? {
        try (parser ?? self.parser).parse(Array(line.utf8), line: number)
    }

    func issue(_ line: String) -> ImportIssue? {
        do {
            _ = try parse(line)
            return nil
        } catch {
            return error
        }
    }

    @Test func batchAPIFormKeepsUnknownFieldsAndTakesTheModelOut() throws {
        let job = try #require(
            try parse(
                """
                {"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"m1","messages":[{"role":"user","content":"Héllo"}],"max_tokens":50,"x_new":{"a":[1,2]},"seed":3}}
                """))
        #expect(job.customID == "r1")
        #expect(job.model == "m1")
        #expect(job.maxTokens == 50)
        #expect(job.promptCharacters == 5)
        #expect(job.body["model"] == nil)
        #expect(job.body["x_new"] == .object(["a": .array([.number(1), .number(2)])]))
        #expect(job.body["seed"] == .number(3))
    }

    @Test func messagesFormTakesEveryOtherFieldAsAChatParameter() throws {
        let job = try #require(
            try parse(
                """
                {"messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}],"temperature":0.2,"priority":4,"response_format":{"type":"json_object"}}
                """))
        #expect(job.customID == "7")
        #expect(job.priority == 4)
        #expect(job.body["priority"] == nil)
        #expect(job.body["temperature"] == .number(0.2))
        #expect(job.body["response_format"] == .object(["type": .string("json_object")]))
        #expect(job.promptCharacters == 10)
        #expect(job.model == nil)
    }

    @Test func promptFormBuildsMessagesWithAnOptionalSystemTurn() throws {
        let job = try #require(try parse(#"{"prompt":"What is 2+2?","system":"Answer in digits","custom_id":"p","model":"m","max_completion_tokens":9}"#))
        #expect(
            job.body["messages"]
                == .array([
                    .object(["role": .string("system"), "content": .string("Answer in digits")]),
                    .object(["role": .string("user"), "content": .string("What is 2+2?")]),
                ]))
        #expect(job.body["prompt"] == nil && job.body["system"] == nil)
        #expect(job.model == "m")
        #expect(job.maxTokens == 9)
    }

    @Test func defaultMaxTokensIsWrittenOnlyWhereTheLineHasNone() throws {
        let withDefault = ImportLineParser(file: "in.jsonl", defaultMaxTokens: 64)
        let plain = try #require(try parse(#"{"prompt":"x"}"#, parser: withDefault))
        #expect(plain.body["max_tokens"] == .number(64))
        #expect(plain.maxTokens == 64)
        let own = try #require(try parse(#"{"prompt":"x","max_tokens":5}"#, parser: withDefault))
        #expect(own.maxTokens == 5)
    }

    @Test func contentPartsAndToolCallTurnsAreAccepted() throws {
        let job = try #require(
            try parse(
                """
                {"messages":[{"role":"user","content":[{"type":"text","text":"abc"},{"type":"image_url","image_url":{"url":"u"}}]},{"role":"assistant","content":null,"tool_calls":[]},{"role":"tool","content":"ok","tool_call_id":"1"}]}
                """))
        #expect(job.promptCharacters == 5)
    }

    @Test func blankLinesAreSkipped() throws {
        #expect(try parse("   ") == nil)
        #expect(try parse("") == nil)
    }

    @Test(arguments: [
        (#"{"prompt": 3}"#, "prompt", "expected a string, found a number"),
        (#"{"prompt": ""}"#, "prompt", "is empty"),
        (#"{bad"#, "line", "malformed JSON"),
        (#"[1,2]"#, "line", "expected a JSON object, found an array"),
        (#"{"temperature": 1}"#, "messages", "missing"),
        (#"{"messages": "hi"}"#, "messages", "expected an array, found a string"),
        (#"{"messages": []}"#, "messages", "is empty"),
        (#"{"messages": [{"role":"user"}]}"#, "messages[0].content", "missing"),
        (#"{"messages": [{"content":"x"}]}"#, "messages[0].role", "missing"),
        (#"{"messages": [{"role":"robot","content":"x"}]}"#, "messages[0].role", "expected one of"),
        (#"{"messages": [{"role":"user","content":5}]}"#, "messages[0].content", "expected a string or an array of parts"),
        (#"{"custom_id": 12, "prompt": "x"}"#, "custom_id", "expected a string, found a number"),
        (#"{"custom_id": "", "prompt": "x"}"#, "custom_id", "is empty"),
        (#"{"prompt": "x", "model": 4}"#, "model", "expected a model id string"),
        (#"{"prompt": "x", "max_tokens": "10"}"#, "max_tokens", "expected an integer, found a string"),
        (#"{"prompt": "x", "max_tokens": 0}"#, "max_tokens", "must be at least 1"),
        (#"{"prompt": "x", "temperature": "hot"}"#, "temperature", "expected a number, found a string"),
        (#"{"prompt": "x", "temperature": 3}"#, "temperature", "must be between 0 and 2"),
        (#"{"prompt": "x", "n": 2}"#, "n", "only n=1 is supported"),
        (#"{"prompt": "x", "stream": true}"#, "stream", "streaming is not supported"),
        (#"{"prompt": "x", "priority": 1.5}"#, "priority", "expected an integer"),
        (#"{"prompt": "x", "messages": []}"#, "prompt", "not both"),
        (#"{"custom_id":"a","url":"/v1/embeddings","body":{"messages":[{"role":"user","content":"x"}]}}"#, "url", "unknown url"),
        (#"{"custom_id":"a","method":"GET","body":{"messages":[{"role":"user","content":"x"}]}}"#, "method", "expected \"POST\""),
        (#"{"custom_id":"a","body":"x"}"#, "body", "expected an object, found a string"),
        (#"{"custom_id":"a","body":{"messages":[{"role":"user","content":"x"}],"n":3}}"#, "body.n", "only n=1"),
    ])
    func eachProblemNamesItsLineAndField(line: String, field: String, message: String) throws {
        let found = try #require(issue(line))
        #expect(found.file == "in.jsonl")
        #expect(found.line == 7)
        #expect(found.field == field)
        #expect(found.message.contains(message), "\(found.message)")
        #expect(found.description.hasPrefix("in.jsonl:7: \(field): "))
    }

    @Test func invalidUTF8IsReportedNotReplaced() throws {
        var bytes = Array(#"{"prompt":"caf"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}"#.utf8)
        #expect(throws: ImportIssue(file: "in.jsonl", line: 2, field: "line", message: "invalid UTF-8")) {
            _ = try parser.parse(bytes, line: 2)
        }
    }
}
