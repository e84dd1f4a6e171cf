import Foundation
import GroqSimulator
import Testing
import TestSupport

/// `groqbatch work --window` as a real process against the simulator.
struct RunWindowProcessTests {
    /// `HH:MM:SS` in UTC.
    func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour!, parts.minute!, parts.second!)
    }

    @Test func claimsNothingOutsideItsWindowsAndResumesInsideTheNext() async throws {
        // One call at a time, about a quarter of a second each, so a two-second window cannot finish the batch.
        let fixture = try await WorkerFixture(speed: 1, queueDelay: 0.2)
        try fixture.addJobs(60)
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 1).rounded(.up))
        let first = (base.addingTimeInterval(2), base.addingTimeInterval(4))
        let second = (base.addingTimeInterval(7), base.addingTimeInterval(9))
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", fixture.catalogPath,
                "--concurrency", "1", "--time-zone", "UTC", "--log-level", "notice",
                "--window", "\(clock(first.0))-\(clock(first.1))", "--window", "\(clock(second.0))-\(clock(second.1))",
                "--until", ISO8601DateFormatter().string(from: base.addingTimeInterval(10)),
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path("window.log"))
        let status = await worker.wait(timeout: 60)
        await fixture.stop()
        #expect(status == 0, "\(worker.output)")
        let times = try String(contentsOfFile: fixture.requestLog, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)).time }
        // A call claimed just before a window closes is answered just after; a second is ample slack.
        let inFirst = times.filter { $0 >= first.0.timeIntervalSince1970 && $0 < first.1.timeIntervalSince1970 + 1 }
        let inSecond = times.filter { $0 >= second.0.timeIntervalSince1970 && $0 < second.1.timeIntervalSince1970 + 1 }
        #expect(inFirst.count + inSecond.count == times.count, "calls outside both windows: \(times.map { $0 - base.timeIntervalSince1970 })")
        #expect(inFirst.count >= 2, "the first window ran jobs")
        #expect(inSecond.count >= 2, "the worker slept through the gap and resumed in the second window")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'queued'") != "0", "two short windows cannot finish 60 jobs")
        #expect(worker.output.contains("outside the run window"))
        #expect(worker.output.contains("claiming resumes at"))
    }
}
