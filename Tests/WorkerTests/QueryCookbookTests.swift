import Foundation
import PostgresStore
import QueueStore
import Scheduler
import TestSupport
import Testing
import Worker

/// Every query in docs/queries.md, run with the real sqlite3 against a queue a real worker filled, and
/// with the real psql against a PostgreSQL copy of it.
struct QueryCookbookTests {
    /// The ```sql blocks of the cookbook, in order.
    static func blocks() throws -> [String] {
        try queries().map(\.sqlite)
    }

    /// Each query in both dialects: a ```psql block right after a ```sql block is its PostgreSQL form;
    /// otherwise the same text serves, without sqlite3's dot settings.
    static func queries() throws -> [(sqlite: String, postgres: String)] {
        let text = try String(contentsOfFile: PackagePaths.path("docs/queries.md"), encoding: .utf8)
        var fenced: [(language: String, body: String)] = []
        for part in text.components(separatedBy: "```").enumerated() where part.offset % 2 == 1 {
            let lines = part.element.split(separator: "\n", omittingEmptySubsequences: false)
            fenced.append((String(lines.first ?? ""), lines.dropFirst().joined(separator: "\n")))
        }
        return fenced.indices.compactMap { index in
            guard fenced[index].language == "sql" else { return nil }
            let next = index + 1 < fenced.count && fenced[index + 1].language == "psql" ? fenced[index + 1].body : nil
            let plain = fenced[index].body.split(separator: "\n").filter { !$0.hasPrefix(".") }.joined(separator: "\n")
            return (fenced[index].body, next ?? plain)
        }
    }

    @Test func everyQueryRunsAndFindsWhatItShows() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        try fixture.addJobs(30, batch: "cookbook")
        try fixture.addJobs(3, models: [WorkerFixture.retired], batch: "broken", prefix: "x")
        _ = try fixture.store.importJobs(into: BatchSpec(name: "late", source: "test", models: [WorkerFixture.fast], deadline: Date())) { sink in
            _ = try sink.add(
                NewJob(
                    line: 1, customID: "late1", requestJSON: #"{"messages":[{"content":"hi","role":"user"}]}"#, models: [WorkerFixture.fast],
                    promptCharacters: 2, maxTokens: nil))
        }
        // Rows of a template import asking for JSON: their parsed answers and inputs feed the fields query.
        _ = try fixture.store.importJobs(into: BatchSpec(name: "fields", source: "test", models: [WorkerFixture.fast])) { sink in
            for n in 1...3 {
                var job = NewJob(
                    line: n + 1, customID: "f\(n)",
                    requestJSON: #"{"messages":[{"content":"ticket \#(n)","role":"user"}],"response_format":{"type":"json_object"}}"#,
                    models: [WorkerFixture.fast], promptCharacters: 8, maxTokens: 64)
                job.input = #"{"subject":"subject \#(n)"}"#
                _ = try sink.add(job)
            }
        }
        // Two identical deterministic requests: one call, one reused answer.
        _ = try fixture.store.importJobs(into: BatchSpec(name: "repeats", source: "test", models: [WorkerFixture.fast])) { sink in
            for n in 1...2 {
                var job = NewJob(
                    line: n, customID: "r\(n)", requestJSON: #"{"messages":[{"content":"the same","role":"user"}],"temperature":0}"#,
                    models: [WorkerFixture.fast], promptCharacters: 8, maxTokens: 16)
                job.reuseKey = "same"
                _ = try sink.add(job)
            }
        }
        let catalog = ModelCatalog(
            entries: [.init(id: WorkerFixture.fast, maxOutput: 256, inputPrice: 0.05, outputPrice: 0.08), .init(id: WorkerFixture.retired)], source: .catalog)
        var configuration = WorkerFixture.configuration()
        configuration.budget = BudgetContext(provider: fixture.simulator.baseURL, catalog: catalog)
        _ = try await fixture.runWorker(configuration)
        await fixture.stop()
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status") == "expired|1\nfailed|3\nsucceeded|35")

        let blocks = try Self.blocks()
        #expect(blocks.count >= 10)
        for block in blocks {
            let run = try SQLiteShell.run([fixture.dbPath], input: block, directory: fixture.directory.url.path)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(block)\n\(run.stderr)")
            // Each query shows rows of the run above; only the 429 one has none, as no limit was hit.
            if !block.contains("http_status = 429") && !block.contains(".once") && !block.contains("schema_mismatch") {
                #expect(run.stdout.split(separator: "\n").count >= 2, "no rows from:\n\(block)")
            }
        }
        let csv = try String(contentsOfFile: fixture.directory.path("results.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(csv.first == "batch,custom_id,status,model,content,prompt_tokens,completion_tokens,error_code")
        #expect(csv.count == 40)
        let cost = try fixture.sql("SELECT cost_usd > 0 FROM cost_by_model_day WHERE model = '\(WorkerFixture.fast)'")
        #expect(cost == "1", "answers carry their estimated cost")
        if PostgresTestServer.enabled { try await runWithPsql(copying: fixture) }
    }

    /// The same queries, in their PostgreSQL form, on a copy of the same queue.
    func runWithPsql(copying fixture: WorkerFixture) async throws {
        try await PostgresTestServer.withStore { store in
            _ = try await QueueCopy.copy(from: fixture.store, to: store)
            let directory = TemporaryDirectory("cookbook-psql")
            for query in try Self.queries() {
                let run = try CommandRun.run(
                    "/usr/bin/psql", [PostgresTestServer.connectionString(store.url), "-X", "-v", "ON_ERROR_STOP=1", "-A"], input: query.postgres,
                    directory: directory.url.path)
                #expect(run.status == 0 && run.stderr.isEmpty, "\(query.postgres)\n\(run.stderr)")
                if !query.postgres.contains("http_status = 429") && !query.postgres.contains("\\copy") && !query.postgres.contains("schema_mismatch") {
                    #expect(!run.stdout.contains("(0 rows)"), "no rows from:\n\(query.postgres)")
                }
            }
            let csv = try String(contentsOfFile: directory.path("results.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
            #expect(csv.first == "batch,custom_id,status,model,content,prompt_tokens,completion_tokens,error_code")
            #expect(csv.count == 40)
        }
    }
}
