import Foundation
import TestSupport
import Testing

/// `prune`, `backup`, `vacuum` and `status --watch` through the real binary.
struct HousekeepingCommandTests {
    let directory = TemporaryDirectory("housekeeping")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(arguments + ["--db", db], directory: directory.url.path)
    }

    @Test func pruneBackupAndVacuumSayWhatTheyDid() async throws {
        let file = directory.write("p.jsonl", (1...50).map { #"{"prompt":"p\#($0)"}"# }.joined(separator: "\n"))
        #expect(try await run(["import", file, "--model", "m"]).status == 0)
        #expect(try await run(["cancel", "--batch", "p"]).status == 0)
        let bad = try await run(["prune", "--finished-before", "soon"])
        #expect(bad.status != 0 && bad.stderr.contains("--finished-before: cannot read 'soon'"))
        #expect(try await run(["prune", "--finished-before", "30d"]).stdout.contains("nothing to prune"))
        let dry = try await run(["prune", "--finished-before", "0s", "--dry-run"])
        #expect(dry.stdout.contains("would delete 1 batch ('p') with 50 jobs"), "\(dry.stdout)")

        let backup = try await run(["backup", "copy.sqlite"])
        #expect(backup.status == 0 && backup.stdout.contains("backed up"), "\(backup.stderr)")
        let again = try await run(["backup", "copy.sqlite"])
        #expect(again.status == 1 && again.stderr.contains("copy.sqlite exists"))
        #expect(try await run(["backup", "q.sqlite", "--force"]).stderr.contains("is the queue itself"))

        let pruned = try await run(["prune", "--finished-before", "0s", "--slice", "20"])
        #expect(pruned.stdout.contains("deleted 1 batch ('p') with 50 jobs"), "\(pruned.stdout)")
        let vacuum = try await run(["vacuum"])
        #expect(vacuum.status == 0 && vacuum.stdout.contains("->"))
        let copy = try SQLiteShell.run([directory.path("copy.sqlite"), "SELECT COUNT(*) FROM jobs"])
        #expect(copy.stdout == "50\n", "the backup still holds what was pruned")
    }

    @Test func statusWatchRedrawsUntilStopped() async throws {
        #expect(try await run(["init"]).status == 0)
        let watch = try BackgroundProcess(
            groqbatch: ["status", "--watch", "--interval", "0.2", "--db", db], logPath: directory.path("watch.log"))
        try await Task.sleep(for: .milliseconds(1500))
        watch.signal(SIGTERM)
        _ = await watch.wait(timeout: 10)
        let frames = watch.output.components(separatedBy: "--- ").count - 1
        #expect(frames >= 3, "\(watch.output)")
    }
}
