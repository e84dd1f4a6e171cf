import Foundation
import TestSupport
import Testing

/// The files in deploy/: each checked by the tool that will read it, and its command run for real.
struct DeployTests {
    let directory = TemporaryDirectory("deploy")

    /// A deploy file with the installed paths pointed at this build and this test's folder.
    func localized(_ name: String) throws -> String {
        try String(contentsOfFile: PackagePaths.path("deploy/\(name)"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/groqbatch", with: PackagePaths.binary)
            .replacingOccurrences(of: "/etc/groqbatch/env", with: directory.path("env"))
            .replacingOccurrences(of: "/var/lib/groqbatch/", with: directory.path("state") + "/")
    }

    /// The arguments after the binary on a unit's ExecStart line (or another `Exec` line).
    func execStartArguments(_ unit: String, line key: String = "ExecStart=") throws -> [String] {
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix(key) })
        return line.split(separator: " ").dropFirst().map(String.init)
    }

    @Test func theSystemdUnitsPassSystemdAnalyzeVerify() async throws {
        let analyzer = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyzer) else {
            print("skipped: systemd-analyze is not installed here, so the units were not verified")
            return
        }
        _ = directory.write("env", "GROQ_API_KEY=sim-key\n")
        let names = ["groqbatch-worker.service", "groqbatch-night.service", "groqbatch-night.timer", "groqbatch-fleet-worker.service"]
        for name in names { _ = directory.write(name, try localized(name)) }
        let run = try CommandRun.run(analyzer, ["verify"] + names.map { "./" + $0 }, directory: directory.url.path)
        #expect(run.status == 0, "\(run.stderr)")
        // verify exits 0 on settings it ignores, such as a misspelt Type=, but names them on stderr.
        let complaints = run.stderr.split(separator: "\n").filter { line in names.contains { line.contains($0) } }
        #expect(complaints.isEmpty, "\(complaints)")
    }

    @Test func theUnitsCommandLinesAreAcceptedByThisGroqbatch() async throws {
        _ = try FileManager.default.createDirectory(atPath: directory.path("state"), withIntermediateDirectories: true)
        // The night run refuses a queue that is not there (a mistyped path is no empty success)...
        let night = try execStartArguments(try localized("groqbatch-night.service"))
        let missing = try await CommandRun.groqbatchAwaiting(night, environment: ["GROQ_API_KEY": "sim-key"], directory: directory.url.path)
        #expect(missing.status == 1 && missing.stderr.contains("no queue at"), "\(missing.stderr)")
        // ...and the daemon's first start makes it (its ExecStartPre), so that it can wait for imports.
        let create = try execStartArguments(try localized("groqbatch-worker.service"), line: "ExecStartPre=")
        #expect(create.first == "init")
        let created = try await CommandRun.groqbatchAwaiting(create, directory: directory.url.path)
        #expect(created.status == 0, "\(created.stderr)")
        // The night run drains an empty queue and exits at once.
        let drained = try await CommandRun.groqbatchAwaiting(night, environment: ["GROQ_API_KEY": "sim-key"], directory: directory.url.path)
        #expect(drained.status == 0, "\(drained.stderr)")
        #expect(drained.stderr.contains("nothing left to do"))
        // The daemon would run forever; --for 1s ends it after its arguments were read and it slept.
        let daemon = try execStartArguments(try localized("groqbatch-worker.service")) + ["--for", "1s"]
        let slept = try await CommandRun.groqbatchAwaiting(daemon, environment: ["GROQ_API_KEY": "sim-key"], directory: directory.url.path)
        #expect(slept.status == 0, "\(slept.stderr)")
        #expect(slept.stderr.contains("run windows: 22:00-06:00"))
        // A fleet host's unit names no queue: GROQBATCH_DB from its environment file does.
        let fleet = try execStartArguments(try localized("groqbatch-fleet-worker.service"))
        #expect(!fleet.contains("--db"))
        let queue = directory.path("state/fleet.sqlite")
        #expect(try await CommandRun.groqbatchAwaiting(["init", "--db", queue]).status == 0)
        let fleetRun = try await CommandRun.groqbatchAwaiting(
            fleet + ["--for", "1s"], environment: ["GROQ_API_KEY": "sim-key", "GROQBATCH_DB": queue], directory: directory.url.path)
        #expect(fleetRun.status == 0, "\(fleetRun.stderr)")
        #expect(FileManager.default.fileExists(atPath: queue), "the queue GROQBATCH_DB names")
    }

    @Test func theCronLineRunsUnderShWithTheKeyFromItsFile() async throws {
        let text = try String(contentsOfFile: PackagePaths.path("deploy/groqbatch.cron"), encoding: .utf8)
        let entry = try #require(text.split(separator: "\n").first { !$0.hasPrefix("#") && !$0.isEmpty })
        let fields = entry.split(separator: " ", maxSplits: 5)
        #expect(fields.count == 6)
        #expect(fields.prefix(5).joined(separator: " ") == "0 22 * * *")
        let home = directory.url.path
        try FileManager.default.createDirectory(atPath: home + "/.config/groqbatch", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/.cache", withIntermediateDirectories: true)
        _ = directory.write(".config/groqbatch/env", "GROQ_API_KEY=sim-key\n")
        let command = String(fields[5]).replacingOccurrences(of: "/usr/local/bin/groqbatch", with: PackagePaths.binary)
        // cron runs the command with /bin/sh and a bare environment. Before any import there is no queue:
        // the night fails (exit 1, the reason in its log); it does not report an empty success.
        let cron = ["-i", "HOME=\(home)", "PATH=/usr/bin:/bin", "/bin/sh", "-c", command]
        let early = try await CommandRun.runAwaiting("/usr/bin/env", cron)
        #expect(early.status == 1, "\(early.stderr)")
        #expect(try String(contentsOfFile: home + "/groqbatch-night.log", encoding: .utf8).contains("no queue at \(home)/groqbatch.sqlite"))
        #expect(try await CommandRun.groqbatchAwaiting(["init", "--db", home + "/groqbatch.sqlite"]).status == 0)
        let run = try await CommandRun.runAwaiting("/usr/bin/env", cron)
        #expect(run.status == 0, "\(run.stderr)")
        let log = try String(contentsOfFile: home + "/groqbatch-night.log", encoding: .utf8)
        #expect(log.contains("nothing left to do"), "\(log)")
        #expect(!log.contains("sim-key"))
    }
}
