import Foundation
import JobFormats
import Testing

struct ExportFormatTests {
    @Test func succeededJobsCarryTheWholeResponseBody() throws {
        let row = ExportRow(
            jobID: 4, customID: "a", status: "succeeded", model: "m", content: "hi",
            rawResponse: #"{"id":"chatcmpl-1","choices":[]}"#, requestID: "req_1")
        let value = try JSONValue.decode(Data(ExportFormat.jsonl.line(for: row).utf8))
        #expect(value["id"] == .string("batch_req_4"))
        #expect(value["custom_id"] == .string("a"))
        #expect(value["error"] == .null)
        #expect(value["response"]?["status_code"] == .number(200))
        #expect(value["response"]?["request_id"] == .string("req_1"))
        #expect(value["response"]?["body"]?["id"] == .string("chatcmpl-1"))
    }

    @Test func jobsWithoutAResultCarryAnError() throws {
        let failed = ExportRow(jobID: 1, customID: "f", status: "failed", errorCode: "model_not_found", errorMessage: "gone")
        let value = try JSONValue.decode(Data(ExportFormat.jsonl.line(for: failed).utf8))
        #expect(value["response"] == .null)
        #expect(value["error"] == .object(["code": .string("model_not_found"), "message": .string("gone")]))
        let queued = ExportRow(jobID: 2, customID: "q", status: "queued")
        #expect(queued.effectiveError?.code == "not_finished")
    }

    @Test func csvQuotesWhatNeedsQuoting() {
        let row = ExportRow(
            jobID: 1, customID: "a,b", status: "succeeded", model: "m", content: "say \"hi\"\r\nnext",
            promptTokens: 3, completionTokens: 4, totalTokens: 7)
        #expect(ExportFormat.csv.line(for: row) == #""a,b",succeeded,m,"say ""hi"""# + "\r\n" + #"next",3,4,7,,"#)
        #expect(ExportFormat.csv.header == ExportFormat.csvHeader)
    }
}

struct JSONValueTests {
    @Test func textRoundTripsAndKeepsBooleansApartFromNumbers() throws {
        let text = #"{"a":true,"b":1,"c":0,"d":1.5,"e":false,"f":null,"g":[1,"x\n\"q\"\\",{"z":-2e-7}],"h":"é/𝄞\u0001"}"#
        let value = try JSONValue.decode(Data(text.utf8))
        #expect(value["a"] == .bool(true) && value["e"] == .bool(false))
        #expect(value["b"] == .number(1) && value["c"] == .number(0))
        #expect(value.jsonString() == #"{"a":true,"b":1,"c":0,"d":1.5,"e":false,"f":null,"g":[1,"x\n\"q\"\\",{"z":-0.0000002}],"h":"é/𝄞\u0001"}"#)
        #expect(try JSONValue.decode(Data(value.jsonString().utf8)) == value)
        let viaFoundation = try JSONSerialization.jsonObject(with: Data(value.jsonString().utf8)) as? [String: Any]
        #expect(viaFoundation?["h"] as? String == "é/𝄞\u{1}")
    }
}
