import Foundation
import TestSupport
import Testing

/// `groqbatch work --window` as a real process against the simulator, also a process of its own: the
/// assertions are about the worker's claims, which a loaded test process must not be able to delay.
struct RunWindowProcessTests {
    /// `HH:MM:SS` in UTC.
    func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour!, parts.minute!, parts.second!)
    }

    @Test func claimsNothingOutsideItsWindowsAndResumesInsideTheNext() async throws {
        let directory = TemporaryDirectory("window")
        // One call at a time, about a quarter of a second each, so a window cannot finish the batch.
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.2, "models": [{"id": "sim/fast", "max_output": 256}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let jobs = directory.write(
            "jobs.jsonl", (1...200).map { #"{"custom_id":"j\#($0)","prompt":"Prompt number \#($0)","max_tokens":24}"# }.joined(separator: "\n"))
        let imported = try await CommandRun.groqbatchAwaiting(["import", jobs, "--db", db, "--model", "sim/fast"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        // Wide windows and a wide gap, so a slow start or a slow machine changes how many calls fit, not
        // whether the promise holds.
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 1).rounded(.up))
        let first = (base.addingTimeInterval(4), base.addingTimeInterval(8))
        let second = (base.addingTimeInterval(14), base.addingTimeInterval(18))
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog,
                "--concurrency", "1", "--time-zone", "UTC", "--log-level", "notice",
                "--window", "\(clock(first.0))-\(clock(first.1))", "--window", "\(clock(second.0))-\(clock(second.1))",
                "--until", ISO8601DateFormatter().string(from: base.addingTimeInterval(19)),
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("window.log"))
        let status = await worker.wait(timeout: 120)
        await simulator.stop()
        #expect(status == 0, "\(worker.output)")
        // The promise: a call starts only inside a window. A call claimed at a window's last instant
        // starts a moment later (its task runs after the claim), so two seconds of slack at the end.
        let starts = try SQLiteShell.run([db, "SELECT started_at FROM attempts ORDER BY started_at"]).stdout
            .split(separator: "\n").compactMap { Double($0) }
        let inside = { (window: (Date, Date)) in
            starts.filter { $0 >= window.0.timeIntervalSince1970 && $0 < window.1.timeIntervalSince1970 + 2 }
        }
        #expect(!starts.isEmpty)
        #expect(
            inside(first).count + inside(second).count == starts.count,
            "calls outside both windows: \(starts.map { $0 - base.timeIntervalSince1970 })")
        #expect(!inside(first).isEmpty, "the first window ran jobs: \(starts.map { $0 - base.timeIntervalSince1970 })")
        #expect(!inside(second).isEmpty, "the worker slept through the gap and resumed in the second window")
        let queued = try SQLiteShell.run([db, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'"]).stdout
        #expect(queued.trimmingCharacters(in: .whitespacesAndNewlines) != "0", "two short windows cannot finish 200 jobs")
        #expect(worker.output.contains("outside the run window"))
        #expect(worker.output.contains("claiming resumes at"))
    }
}
