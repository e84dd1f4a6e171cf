import Foundation
import QueueStore
import Scheduler
import TestSupport
import Testing

/// `models --refresh` and what workers do with its news.
struct ModelCatalogTests {
    @Test func aModelTheProviderNoLongerListsCostsNoRequest() async throws {
        let fixture = try await WorkerFixture(speed: 0)
        let environment = ["GROQ_API_KEY": "sim-key"]
        let common = ["--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", fixture.catalogPath]
        // The simulator does not list sim/retired; the catalog file does: the refresh marks it.
        let refresh = try await CommandRun.groqbatchAwaiting(["models", "--refresh"] + common, environment: environment)
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stderr.contains("no longer listed, now decommissioned: sim/retired, sim/unknown"), "\(refresh.stderr)")
        #expect(refresh.stdout.contains("sim/retired") && refresh.stdout.contains("decommissioned"))
        let again = try await CommandRun.groqbatchAwaiting(["models", "--refresh"] + common, environment: environment)
        #expect(!again.stderr.contains("now decommissioned"), "only news is reported: \(again.stderr)")

        try fixture.addJobs(10, models: [WorkerFixture.retired, WorkerFixture.fast])
        try fixture.addJobs(2, models: [WorkerFixture.retired], batch: "only-retired", prefix: "r")
        let work = try BackgroundProcess(
            groqbatch: ["work", "--drain", "--log-level", "error"] + common, environment: environment,
            logPath: fixture.directory.path("work.log"))
        #expect(await work.wait() == 0, "\(work.output)")
        await fixture.stop()
        #expect(try fixture.sql("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status") == "failed|2\nsucceeded|10")
        #expect(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE model = '\(WorkerFixture.retired)'") == "0")
        #expect(try fixture.sql("SELECT DISTINCT error_code FROM jobs WHERE status = 'failed'") == "model_decommissioned")
        let log = try String(contentsOfFile: fixture.requestLog, encoding: .utf8)
        #expect(!log.contains(WorkerFixture.retired), "no request named the retired model")
    }

    @Test func aPromptBeyondTheContextWindowMovesToAModelWithALargerOne() throws {
        let catalog = ModelCatalog(entries: [.init(id: "small", contextWindow: 1000), .init(id: "large", contextWindow: 100_000)], source: .catalog)
        var admission = Admission(
            budgets: ["small": ModelBudget(model: "small", meters: [:]), "large": ModelBudget(model: "large", meters: [:])],
            estimators: [:], catalog: catalog)
        let long = Admission.Candidate(id: 1, models: ["small", "large"], modelIndex: 0, promptCharacters: 8000, maxTokens: 100)
        let short = Admission.Candidate(id: 2, models: ["small", "large"], modelIndex: 0, promptCharacters: 400, maxTokens: 100)
        var truncatable = long
        truncatable.id = 3
        truncatable.truncate = true
        let decision = admission.admit([long, short, truncatable], limit: 10, now: 0)
        #expect(decision.unusable.map(\.id) == [1])
        #expect(decision.unusable.first?.code == "context_length_exceeded")
        #expect(decision.admitted.map(\.id) == [2, 3], "a job that may be truncated is admitted")
    }
}
