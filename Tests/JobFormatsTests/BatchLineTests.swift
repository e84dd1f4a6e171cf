import Foundation
import JobFormats
import Testing

/// The Batch API's line formats: what groqbatch writes reads back the same, and the provider's lines
/// read as they mean.
struct BatchLineTests {
    @Test func anInputLineReadsBackThroughTheImportParserWithItsIDAndBody() throws {
        let body = #"{"model":"openai/gpt-oss-20b","messages":[{"role":"user","content":"Say \"hi\" / 你好"}],"max_tokens":16}"#
        let line = BatchLine.input(customID: "job-7 \"quoted\"", body: body)
        #expect(line.hasSuffix("}\n"))
        let parsed = try #require(try ImportLineParser(file: "f").parse(Array(line.utf8.dropLast()), line: 1))
        #expect(parsed.customID == "job-7 \"quoted\"")
        #expect(parsed.model == "openai/gpt-oss-20b")
        #expect(JSONValue.object(parsed.body).jsonString() == #"{"max_tokens":16,"messages":[{"content":"Say \"hi\" / 你好","role":"user"}]}"#)
    }

    static let lines: [BatchLine.Output] = [
        BatchLine.Output(
            id: "batch_req_1", customID: "job-1", statusCode: 200, requestID: "req_1",
            body: .object(["id": .string("chatcmpl-1"), "usage": .object(["prompt_tokens": .number(12), "queue_time": .number(0.0123)])])),
        BatchLine.Output(
            id: "batch_req_2", customID: "job-2", statusCode: 500, requestID: "req_2",
            body: .object([
                "error": .object([
                    "message": .string("Internal Server Error"), "type": .string("internal_server_error"), "code": .string("internal_server_error"),
                ])
            ]),
            errorCode: "internal_server_error", errorMessage: "Internal Server Error"),
        BatchLine.Output(id: "batch_req_3", customID: "job-3", errorCode: "request_timeout", errorMessage: "timed out"),
        BatchLine.Output(id: "batch_req_4", customID: "job-4", errorCode: "batch_expired", errorMessage: "expired first"),
    ]

    @Test(arguments: lines)
    func anOutputLineReadsBackAsItWasWritten(line: BatchLine.Output) throws {
        #expect(try BatchLine.output(Array(BatchLine.output(line).utf8)) == line)
    }

    @Test func theProvidersLinesReadAsTheyMean() throws {
        let answered = try BatchLine.output(
            Array(#"{"id":"batch_req_x","custom_id":"job-9","response":{"status_code":200,"request_id":"req_9","body":{"id":"chatcmpl-9"}},"error":null}"#.utf8)
        )
        #expect(answered.answered && answered.requestID == "req_9" && answered.errorCode == nil)
        let failed = try BatchLine.output(
            Array(
                #"{"id":"x","custom_id":"job-9","response":{"status_code":400,"request_id":"r","body":{"error":{"message":"bad","type":"invalid_request_error"}}},"error":null}"#
                    .utf8))
        #expect(!failed.answered && failed.statusCode == 400 && failed.errorCode == "invalid_request_error" && failed.errorMessage == "bad")
        let expired = try BatchLine.output(Array(#"{"id":"x","custom_id":"job-9","response":null,"error":{"code":"batch_expired","message":"m"}}"#.utf8))
        #expect(expired.statusCode == nil && expired.errorCode == "batch_expired")
        #expect(throws: BatchLine.Malformed.self) { try BatchLine.output(Array(#"{"id":"x"}"#.utf8)) }
        #expect(throws: BatchLine.Malformed.self) { try BatchLine.output(Array("not json".utf8)) }
    }
}
