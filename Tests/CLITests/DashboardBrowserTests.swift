import Foundation
import TestSupport
import Testing

/// The dashboard in a real browser: headless Chromium renders the pages served after a simulator run;
/// the numbers it shows are the database's, and its screenshots are kept as test artifacts
/// (`.build/test-artifacts/dashboard/`).
@Suite(.serialized)
struct DashboardBrowserTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Chromium is required under CI (make deps installs it); elsewhere its absence skips the test.
    static let runs = chromium != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    let directory = TemporaryDirectory("browser")

    func browser(_ arguments: [String]) throws -> CommandRun {
        let chromium = try #require(Self.chromium, "chromium is not installed: make deps installs it")
        // As root the sandbox cannot start; a profile of its own keeps parallel runs apart.
        return try CommandRun.run(
            chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(directory.path("profile"))"] + arguments)
    }

    @Test(.enabled(if: runs, "chromium is not installed (make deps installs it); the browser test is skipped"))
    func thePagesShowTheDatabasesNumbers() async throws {
        let db = directory.path("q.sqlite")
        let lines = (1...40).map { n in
            n % 8 == 0
                ? #"{"custom_id": "j\#(n)", "prompt": "Hi", "model": "sim/retired"}"#
                : #"{"custom_id": "j\#(n)", "prompt": "Question \#(n)", "max_tokens": 16}"#
        }
        let file = directory.write("nightly.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", "sim/fast"]).status == 0)
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "sim/fast", "max_output": 256, "rpm": 600, "tpm": 100000}, {"id": "sim/retired", "decommissioned": true}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")
        let sql = { (query: String) in try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        let succeeded = try sql("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")
        let failed = try sql("SELECT COUNT(*) FROM jobs WHERE status = 'failed'")
        #expect(failed == "5" && succeeded == "35")

        let server = try BackgroundProcess(groqbatch: ["serve", "--db", db, "--listen", "127.0.0.1:0"], logPath: directory.path("serve.log"))
        defer { server.signal(SIGTERM) }
        var base = ""
        for _ in 0..<200 where base.isEmpty {
            if let match = server.output.firstMatch(of: #/listening on (http://127\.0\.0\.1:\d+)/#) { base = String(match.output.1) }
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(!base.isEmpty, "serve did not start: \(server.output)")

        let overview = try browser(["--dump-dom", base + "/"]).stdout
        #expect(overview.contains(#"<td class="num succeeded">\#(succeeded)</td>"#), "\(overview)")
        #expect(overview.contains(#"<td class="num failed">\#(failed)</td>"#))
        #expect(overview.contains(#"<td class="num total">40</td>"#))
        let failedList = try browser(["--dump-dom", base + "/jobs?batch=nightly&status=failed"]).stdout
        #expect(failedList.components(separatedBy: #"<td class="failed">failed</td>"#).count - 1 == Int(failed))
        let batch = try browser(["--dump-dom", base + "/batches/nightly"]).stdout
        #expect(batch.contains("<svg class=\"chart\""), "the throughput chart is drawn")

        let models = try browser(["--dump-dom", base + "/models"]).stdout
        let samples = try sql("SELECT SUM(samples) FROM token_estimates")
        #expect(models.contains("Token estimates") && models.contains(#"<td class="num">\#(samples)</td>"#), "the estimator's answers: \(samples)")
        let artifacts = PackagePaths.path(".build/test-artifacts/dashboard")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let id = try sql("SELECT id FROM jobs WHERE status = 'failed' LIMIT 1")
        for (name, path) in [("overview", "/"), ("batch", "/batches/nightly"), ("models", "/models"), ("jobs", "/jobs?batch=nightly"), ("job", "/jobs/\(id)")] {
            let png = "\(artifacts)/\(name).png"
            try? FileManager.default.removeItem(atPath: png)
            _ = try browser(["--screenshot=\(png)", "--window-size=1280,800", base + path])
            let data = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(data.count > 10_000 && data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(name): a real picture")
        }
    }
}
