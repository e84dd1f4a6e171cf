import Foundation
import GroqSimulator
import TestSupport
import Testing

/// The GroqQueue with real worker processes sharing one file against limits they must learn.
struct BudgetProcessTests {
    @Test func fourWorkersLearnLowerLimitsWithOne429AndNeverExceedThem() async throws {
        let directory = TemporaryDirectory("budget")
        let log = directory.path("requests.jsonl")
        let model = "sim/limited"
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: [SimulatedModel(id: model, maxOutput: 64, rpm: 40, rpd: 100_000, tpm: 20_000, tpd: 10_000_000, tokensPerSecond: 5000)],
                speedFactor: 1, queueDelay: 0.02, requestLog: log))
        // The catalog believes in three times the real limits: requests per minute (never in headers)
        // must be learned from one 429, tokens per minute from the first response's headers.
        let catalog = directory.write(
            "catalog.json", #"{"models": [{"id": "\#(model)", "max_output": 64, "rpm": 120, "rpd": 300000, "tpm": 60000, "tpd": 30000000}]}"#)
        let db = directory.path("queue.sqlite")
        let jobs = (1...70).map { #"{"custom_id":"j\#($0)","prompt":"Budgeted prompt number \#($0)","max_tokens":16}"# }.joined(separator: "\n")
        let imported = try CommandRun.groqbatch(["import", "-", "--db", db, "--batch", "b", "--model", model], input: jobs)
        #expect(imported.status == 0, "\(imported.stderr)")
        let workers = try (0..<4).map { index in
            try BackgroundProcess(
                groqbatch: [
                    "work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "4",
                    "--for", "28s", "--log-level", "error",
                ],
                environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("w\(index).log"))
        }
        for worker in workers { _ = await worker.wait(timeout: 120) }
        await simulator.stop()

        let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        let served = entries.filter { $0.status == 200 }.map(\.time).sorted()
        let refused = entries.filter { $0.status == 429 }
        #expect(served.count >= 35, "about 40 requests fit the first minute: \(served.count)")
        for time in served {
            #expect(served.filter { $0 > time - 60 && $0 <= time }.count <= 40, "never more than the real 40 per minute")
        }
        let byLimit = Dictionary(grouping: refused, by: { $0.limit ?? "?" }).mapValues(\.count)
        #expect(byLimit.values.allSatisfy { $0 <= 1 }, "at most one 429 per limit learned: \(byLimit)")
        #expect(byLimit["RPM"] == 1, "requests per minute can only be learned from a 429: \(byLimit)")
        // The headers showed a third of the catalog's tier, so the day's tokens (never stated) follow.
        let meters = try CommandRun.run("/usr/bin/sqlite3", [db, "SELECT kind, limit_value, source, COALESCE(guess, '-') FROM budgets ORDER BY kind"]).stdout
        #expect(meters == "rpd|100000|header|-\nrpm|40|429|-\ntpd|10000000|catalog|scaled\ntpm|20000|header|-\n", "\(meters)")
        #expect(workers.allSatisfy { !$0.output.contains("database is locked") })
    }
}
