import Foundation
import TestSupport
import Testing

/// What a worker says about its run agrees with the database, and reads well on a terminal.
struct RunSummaryTests {
    /// A catalog that knows sim/retired is retired, so claims move its jobs on without a call.
    static func catalog(_ fixture: WorkerFixture) -> String {
        fixture.directory.write(
            "retired-catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}, {"id": "sim/retired", "status": "decommissioned"}]}"#)
    }

    /// 10 plain jobs; 6 whose first model is retired (moved on without a call); 2 with no other model
    /// (failed without a call); 3 the provider refuses (max_tokens over the model's output limit).
    static func fill(_ fixture: WorkerFixture) throws {
        try fixture.addJobs(10, prefix: "plain")
        try fixture.addJobs(6, models: [WorkerFixture.retired, WorkerFixture.fast], batch: "moved", prefix: "moved")
        try fixture.addJobs(2, models: [WorkerFixture.retired], batch: "stuck", prefix: "stuck")
        try fixture.addJobs(3, batch: "refused", prefix: "refused") { n in
            #"{"max_tokens":5000,"messages":[{"content":"Refused prompt \#(n).","role":"user"}]}"#
        }
    }

    @Test func theSummaryAndTheLastProgressLineCountWhatTheDatabaseHolds() async throws {
        let fixture = try await WorkerFixture()
        try Self.fill(fixture)
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", Self.catalog(fixture),
                "--concurrency", "4", "--progress-interval", "1",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path("work.log"))
        let status = await worker.wait(timeout: 120)
        await fixture.stop()
        #expect(status == 0, "\(worker.output)")
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status") == "failed|5\nsucceeded|16")
        let summary = try #require(worker.output.split(separator: "\n").last { $0.hasPrefix("worker ") }, "\(worker.output)")
        #expect(summary.contains(": 16 succeeded, 5 failed, 0 retries, 6 fallbacks (stopped: nothing left to do)"), "\(summary)")
        let progress = try #require(worker.output.split(separator: "\n").last { $0.contains("progress: ") }, "\(worker.output)")
        #expect(progress.contains("21/21 done (16 ok, 5 failed)") && progress.contains("6 fallbacks"), "\(progress)")
        #expect(!worker.output.contains(" 1 jobs"), "plurals agree with their counts")
    }

    /// Reads a terminal transcript as the screen shows it: `\r` returns to the line's start, `ESC [ K`
    /// erases to its end, and other characters overwrite what was there.
    static func screenLines(_ transcript: String) -> [String] {
        // Scalars, not Characters: Swift joins "\r\n" (a terminal's line end) into one Character.
        var lines: [[Unicode.Scalar]] = [[]]
        var cursor = 0
        var characters = Array(transcript.unicodeScalars)[...]
        while let character = characters.popFirst() {
            switch character {
            case "\n":
                lines.append([])
                cursor = 0
            case "\r":
                cursor = 0
            case "\u{1B}":
                // Only `ESC [ K` is expected; any other sequence is kept to fail the check visibly.
                if characters.starts(with: ["[", "K"]) {
                    characters.removeFirst(2)
                    lines[lines.count - 1].removeSubrange(min(cursor, lines[lines.count - 1].count)...)
                } else {
                    lines[lines.count - 1].append(character)
                }
            default:
                if cursor < lines[lines.count - 1].count { lines[lines.count - 1][cursor] = character } else { lines[lines.count - 1].append(character) }
                cursor += 1
            }
        }
        return lines.map { String(String.UnicodeScalarView($0)) }
    }

    @Test func onATerminalLogLinesNeverRunIntoTheProgressLine() async throws {
        // One call at a time, a tenth of a second each: the progress line is up when the refusals come.
        let fixture = try await WorkerFixture(queueDelay: 0.1)
        try fixture.addJobs(20, prefix: "plain")
        try fixture.addJobs(4, batch: "refused", prefix: "refused") { n in
            #"{"max_tokens":5000,"messages":[{"content":"Refused prompt \#(n).","role":"user"}]}"#
        }
        let command = [
            PackagePaths.binary, "work", "--drain", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL,
            "--catalog", fixture.catalogPath, "--concurrency", "1",
        ].map { "'\($0)'" }.joined(separator: " ")
        // script(1) gives the worker a pseudo-terminal as standard error, as a person's shell would.
        let run = try await CommandRun.runAwaiting("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], environment: ["GROQ_API_KEY": "sim-key"])
        await fixture.stop()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\r\u{1B}[K"), "the progress line was drawn in place: \(run.stdout)")
        let screen = Self.screenLines(run.stdout)
        let logLines = screen.filter { $0.contains(" warning groqbatch.work:") || $0.contains(" notice groqbatch.work:") }
        #expect(logLines.count >= 4, "\(screen)")
        for line in logLines {
            #expect(line.range(of: #"^\d{4}-\d{2}-\d{2}T"#, options: .regularExpression) != nil, "a log line starts at the line's start: \(line)")
            #expect(!line.contains(" in flight"), "a log line shares its line with the progress line: \(line)")
        }
        let progress = screen.filter { $0.contains(" in flight") }
        #expect(!progress.isEmpty)
        for line in progress {
            #expect(line.hasPrefix("24/24 done") || line.range(of: #"^\d+/24 done"#, options: .regularExpression) != nil, "\(line)")
        }
    }
}
