import Foundation
import GroqSimulator
import TestSupport
import Testing

/// The GroqQueue with real worker processes sharing one file against limits they must learn.
struct BudgetProcessTests {
    @Test func fourWorkersLearnLowerLimitsFromA429AndNeverExceedThem() async throws {
        let directory = TemporaryDirectory("budget")
        let log = directory.path("requests.jsonl")
        let model = "sim/limited"
        // Its own process: the simulator's answers (the 429 that teaches) do not wait for the test's threads.
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 1, "queue_delay": 0.02, "models": [{"id": "\(model)", "max_output": 64,
                 "rpm": 40, "rpd": 100000, "tpm": 20000, "tpd": 10000000, "tokens_per_second": 5000}]}
                """, requestLog: log, in: directory)
        // The catalog believes in three times the real limits: requests per minute (never in headers)
        // must be learned from one 429, tokens per minute from the first response's headers.
        let catalog = directory.write(
            "catalog.json", #"{"models": [{"id": "\#(model)", "max_output": 64, "rpm": 120, "rpd": 300000, "tpm": 60000, "tpd": 30000000}]}"#)
        let db = directory.path("queue.sqlite")
        let jobs = (1...70).map { #"{"custom_id":"j\#($0)","prompt":"Budgeted prompt number \#($0)","max_tokens":16}"# }.joined(separator: "\n")
        let imported = try await CommandRun.groqbatchAwaiting(["import", "-", "--db", db, "--batch", "b", "--model", model], input: jobs)
        #expect(imported.status == 0, "\(imported.stderr)")
        let workers = try (0..<4).map { index in
            try BackgroundProcess(
                groqbatch: [
                    "work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--concurrency", "4",
                    "--for", "28s", "--log-level", "error",
                ],
                environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("w\(index).log"))
        }
        // When the lesson of the first 429 is in the database, as any worker reads it.
        let learned = Task {
            while !Task.isCancelled {
                if (try? SQLiteShell.run([db, "SELECT source FROM budgets WHERE kind = 'rpm'"]).stdout) == "429\n" { return Date() }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return Date.distantFuture
        }
        for worker in workers { _ = await worker.wait(timeout: 120) }
        learned.cancel()
        let lessonAt = await learned.value
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
        // Requests per minute can only be learned from a 429; calls already on their way when it was
        // learned may meet one too (how many depends on how fast the lesson is written, so on the
        // machine's load), but once it is in the database, every worker keeps to it.
        #expect((byLimit["RPM"] ?? 0) >= 1, "requests per minute are learned from a 429: \(byLimit)")
        #expect(byLimit.filter { $0.key != "RPM" }.values.allSatisfy { $0 <= 1 }, "at most one 429 for each other limit: \(byLimit)")
        // (Two seconds for a call claimed just before the lesson to reach the simulator on a loaded machine.)
        let late = refused.filter { $0.limit == "RPM" && $0.time > lessonAt.timeIntervalSince1970 + 2 }
        #expect(late.isEmpty, "no 429 once the lesson was in the database (\(lessonAt)): \(late.map(\.time))")
        // The headers showed a third of the catalog's tier, so the day's tokens (never stated) follow.
        let meters = try SQLiteShell.run([db, "SELECT kind, limit_value, source, COALESCE(guess, '-') FROM budgets ORDER BY kind"]).stdout
        #expect(meters == "rpd|100000|header|-\nrpm|40|429|-\ntpd|10000000|catalog|scaled\ntpm|20000|header|-\n", "\(meters)")
        #expect(workers.allSatisfy { !$0.output.contains("database is locked") })
    }
}
