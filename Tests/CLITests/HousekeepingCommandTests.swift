import Foundation
import TestSupport
import Testing

/// `prune`, `backup`, `vacuum` and `status --watch` through the real binary.
struct HousekeepingCommandTests {
    let directory = TemporaryDirectory("housekeeping")
    var db: String { directory.path("q.sqlite") }

    func run(_ arguments: [String]) throws -> CommandRun {
        try CommandRun.groqbatch(arguments + ["--db", db], directory: directory.url.path)
    }

    @Test func pruneBackupAndVacuumSayWhatTheyDid() throws {
        let file = directory.write("p.jsonl", (1...50).map { #"{"prompt":"p\#($0)"}"# }.joined(separator: "\n"))
        #expect(try run(["import", file, "--model", "m"]).status == 0)
        #expect(try run(["cancel", "--batch", "p"]).status == 0)
        let bad = try run(["prune", "--finished-before", "soon"])
        #expect(bad.status != 0 && bad.stderr.contains("--finished-before: cannot read 'soon'"))
        #expect(try run(["prune", "--finished-before", "30d"]).stdout.contains("nothing to prune"))
        let dry = try run(["prune", "--finished-before", "0s", "--dry-run"])
        #expect(dry.stdout.contains("would delete 1 batch ('p') with 50 jobs"), "\(dry.stdout)")

        let backup = try run(["backup", "copy.sqlite"])
        #expect(backup.status == 0 && backup.stdout.contains("backed up"), "\(backup.stderr)")
        let again = try run(["backup", "copy.sqlite"])
        #expect(again.status == 1 && again.stderr.contains("copy.sqlite exists"))
        #expect(try run(["backup", "q.sqlite", "--force"]).stderr.contains("is the queue itself"))

        let pruned = try run(["prune", "--finished-before", "0s", "--slice", "20"])
        #expect(pruned.stdout.contains("deleted 1 batch ('p') with 50 jobs"), "\(pruned.stdout)")
        let vacuum = try run(["vacuum"])
        #expect(vacuum.status == 0 && vacuum.stdout.contains("->"))
        let copy = try CommandRun.run("/usr/bin/sqlite3", [directory.path("copy.sqlite"), "SELECT COUNT(*) FROM jobs"])
        #expect(copy.stdout == "50\n", "the backup still holds what was pruned")
    }

    @Test func statusWatchRedrawsUntilStopped() async throws {
        #expect(try run(["init"]).status == 0)
        let watch = try BackgroundProcess(
            groqbatch: ["status", "--watch", "--interval", "0.2", "--db", db], logPath: directory.path("watch.log"))
        try await Task.sleep(for: .milliseconds(1500))
        watch.signal(SIGTERM)
        _ = await watch.wait(timeout: 10)
        let frames = watch.output.components(separatedBy: "--- ").count - 1
        #expect(frames >= 3, "\(watch.output)")
    }
}
