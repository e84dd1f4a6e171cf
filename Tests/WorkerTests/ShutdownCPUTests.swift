import Foundation
import GroqSimulator
import TestSupport
import Testing

/// A graceful shutdown waiting for calls in flight waits quietly: it does not spin through the grace period.
struct ShutdownCPUTests {
    /// User plus system CPU time of a process so far, in clock ticks (100 a second on Linux).
    static func cpuTicks(_ pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    @Test func waitingForCallsInFlightDuringTheGracePeriodUsesNoCPU() async throws {
        // Every call hangs for 300 s: the grace period is spent waiting for them.
        let fixture = try await WorkerFixture(faults: FaultRates(hang: 1), hangSeconds: 300)
        try fixture.addJobs(4)
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", fixture.catalogPath,
                "--concurrency", "2", "--grace", "20", "--log-level", "notice",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path("work.log"))
        // Each call hangs 300 s from when it starts, so however late the worker gets going on a loaded
        // machine (a fresh-clone run once took over 30 s, with every suite starting at once), or this
        // test sees its calls running, the grace period below falls within the hangs.
        let started = Date()
        while try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") != "2", Date().timeIntervalSince(started) < 180 {
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") == "2", "the worker never had two calls in flight: \(worker.output)")
        try await Task.sleep(for: .milliseconds(300))
        worker.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(500))
        let before = try #require(Self.cpuTicks(worker.pid))
        // The grace period (20 s) outlasts these 4 s by far, however late a loaded machine wakes this
        // test (with 6 s, a fresh-clone run woke after the worker had gone).
        try await Task.sleep(for: .seconds(4))
        let after = try #require(Self.cpuTicks(worker.pid), "the worker is still in its grace period: \(worker.output)")
        let status = await worker.wait(timeout: 60)
        await fixture.stop()
        #expect(status == 0, "\(worker.output)")
        // Spinning takes a whole core: about 400 ticks in these 4 s. Waiting takes next to none.
        #expect(after - before < 100, "CPU ticks during 4 s of the grace period: \(after - before)")
        #expect(worker.output.contains("stopping: waiting up to 20 s for 2 calls in flight"), "\(worker.output)")
        #expect(try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") == "0", "their jobs went back to the queue")
    }
}
