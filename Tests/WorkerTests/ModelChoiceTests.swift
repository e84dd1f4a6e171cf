import Foundation
import TestSupport
import Testing

/// `--model auto` and `--truncate` end to end: import, a worker process, the simulator's verdicts.
struct ModelChoiceTests {
    static func conversation(_ id: String, model: String, truncate: Bool?) -> String {
        let turns = (1...6).map { n in
            #"{"role":"\#(n % 2 == 1 ? "user" : "assistant")","content":"turn \#(n) of a rather long conversation here"}"#
        }
        let flag = truncate.map { #","truncate":\#($0)"# } ?? ""
        return
            #"{"custom_id":"\#(id)","model":"\#(model)","max_tokens":8\#(flag),"messages":[{"role":"system","content":"Be brief."},\#(turns.joined(separator: ","))]}"#
    }

    @Test func autoPicksTheCheapestFittingModelAndTruncateFitsTheWindow() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        let tiny = WorkerFixture.tiny
        let fast = WorkerFixture.fast
        let catalog = fixture.directory.write(
            "choice-catalog.json",
            """
            {"models": [{"id": "\(tiny)", "context_window": 48, "max_output": 32, "input_price": 0.01, "output_price": 0.02},
                        {"id": "\(fast)", "context_window": 8192, "max_output": 256, "input_price": 0.5, "output_price": 0.8}]}
            """)
        let long = String(repeating: "word ", count: 60)
        let autoFile = fixture.directory.write(
            "auto.jsonl",
            """
            {"custom_id": "short", "prompt": "Hi there", "max_tokens": 8}
            {"custom_id": "long", "prompt": "\(long)", "max_tokens": 8}
            """)
        let fitFile = fixture.directory.write(
            "fit.jsonl",
            [
                Self.conversation("fitted", model: tiny, truncate: true),
                Self.conversation("moved", model: tiny, truncate: nil),
            ].joined(separator: "\n"))
        let onlyTiny = fixture.directory.write("only.jsonl", Self.conversation("refused", model: tiny, truncate: false))
        for arguments in [
            ["import", autoFile, "--model", "auto"], ["import", fitFile, "--fallback", fast], ["import", onlyTiny],
        ] {
            let run = try await CommandRun.groqbatchAwaiting(arguments + ["--db", fixture.dbPath])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
        let worker = try BackgroundProcess(
            groqbatch: ["work", "--drain", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", catalog],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path("work.log"))
        #expect(await worker.wait() == 0, "\(worker.output)")
        await fixture.stop()

        let outcome = { (id: String) in
            try fixture.sql(
                "SELECT j.status || '|' || COALESCE(r.model, '-') || '|' || COALESCE(r.truncated, '-') || '|' || j.models FROM jobs j LEFT JOIN results r ON r.job_id = j.id WHERE j.custom_id = '\(id)'"
            )
        }
        #expect(try outcome("short") == #"succeeded|\#(tiny)|0|["sim/tiny","sim/fast"]"#, "cheapest fitting first, the rest as fallbacks")
        #expect(try outcome("long") == #"succeeded|\#(fast)|0|["sim/fast"]"#, "only the large window holds the long prompt")
        #expect(
            try fixture.sql("SELECT DISTINCT chosen_by FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.custom_id IN ('short', 'long')")
                == "auto:cheapest")
        #expect(try outcome("fitted").hasPrefix("succeeded|\(tiny)|1|"), "shortened to fit, and marked")
        #expect(try outcome("moved").hasPrefix("succeeded|\(fast)|0|"), "without --truncate it moves to the larger window")
        #expect(try fixture.sql("SELECT COUNT(*) FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.custom_id = 'moved' AND a.model = '\(tiny)'") == "0")
        #expect(try fixture.sql("SELECT status, error_code FROM jobs WHERE custom_id = 'refused'") == "failed|context_length_exceeded")
        let log = try String(contentsOfFile: fixture.requestLog, encoding: .utf8)
        #expect(!log.contains("context_length_exceeded"), "no call was wasted on a window too small")
    }
}
