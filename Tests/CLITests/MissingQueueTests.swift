import Foundation
import TestSupport
import Testing

/// A mistyped `--db`: every command but `init` and `import` refuses it, names it and the queues beside
/// it, exits 1 and creates nothing; from cron, an empty new queue would be a night of nothing reported
/// as success.
struct MissingQueueTests {
    let directory = TemporaryDirectory("missing-queue")

    func run(_ arguments: [String], db: String) async throws -> CommandRun {
        try await CommandRun.groqbatchAwaiting(
            arguments + ["--db", db], environment: ["GROQ_API_KEY": "test-key", "GROQBATCH_DB": "", "GROQBATCH_CONFIG": ""],
            directory: directory.url.path)
    }

    static let readers: [[String]] = [
        ["status"], ["status", "--json"], ["stats"], ["export"], ["export", "--format", "csv"], ["plan"], ["limits"],
        ["work", "--drain", "--base-url", "http://127.0.0.1:9/openai/v1"], ["serve", "--listen", "127.0.0.1:0"], ["cancel", "--batch", "b"],
        ["retry", "--batch", "b", "--failed"], ["prune", "--finished-before", "30d"], ["vacuum"], ["backup", "copy.sqlite"],
        ["remote"], ["limits", "reset"], ["limits", "set", "--model", "m", "--rpm", "5"], ["models", "--refresh"],
    ]

    @Test(arguments: readers)
    func aCommandGivenAMissingQueueRefusesItAndCreatesNothing(_ arguments: [String]) async throws {
        #expect(try await run(["init"], db: "tonight.sqlite").status == 0)
        let run = try await run(arguments, db: "tonihgt.sqlite")
        #expect(run.status == 1, "\(arguments): \(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("no queue at tonihgt.sqlite") && run.stderr.contains("SQLite files there: tonight.sqlite"), "\(arguments): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("tonihgt.sqlite")), "\(arguments) created the file")
    }

    @Test func modelsListsTheCatalogWithoutAQueueAndCreatesNone() async throws {
        let run = try await run(["models"], db: "none.sqlite")
        #expect(run.status == 0 && run.stdout.contains("openai/gpt-oss-20b"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("none.sqlite")))
    }

    @Test func initImportAndCreateMakeTheQueue() async throws {
        #expect(try await run(["init"], db: "a.sqlite").status == 0)
        let file = directory.write("p.jsonl", #"{"prompt":"hello"}"#)
        #expect(try await run(["import", file, "--model", "m"], db: "b.sqlite").status == 0)
        let created = try await run(["status", "--create"], db: "c.sqlite")
        #expect(created.status == 0, "\(created.stderr)")
        for name in ["a", "b", "c"] {
            #expect(FileManager.default.fileExists(atPath: directory.path("\(name).sqlite")), "\(name).sqlite")
        }
        // In another folder, the queues beside the path are named with it.
        let elsewhere = try await CommandRun.groqbatchAwaiting(["status", "--db", directory.path("d.sqlite")])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains(directory.path("a.sqlite")), "\(elsewhere.stderr)")
    }
}
