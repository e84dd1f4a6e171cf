import Foundation
import TestSupport
import Testing

/// `import --service-tier flex [--flex-fallback]` run by a worker against the simulator's flex tier.
struct FlexTierWorkerTests {
    static let model = "sim/tiered"

    func run(flexBusy: Double, importFlags: [String], jobs: Int, pinFlex: Bool) async throws -> (db: String, directory: TemporaryDirectory, output: String) {
        let directory = TemporaryDirectory("flex")
        let simulator = try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "flex_busy_rate": \(flexBusy),
                 "models": [{"id": "\(Self.model)", "max_output": 64, "rpm": 30, "tpm": 100000}]}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
        let db = directory.path("q.sqlite")
        let file = directory.write("jobs.jsonl", (1...jobs).map { #"{"prompt":"Question \#($0)","max_tokens":8}"# }.joined(separator: "\n"))
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "\#(Self.model)", "max_output": 64, "rpm": 30, "tpm": 100000}]}"#)
        var steps = [["import", file, "--model", Self.model] + importFlags]
        if pinFlex { steps.append(["limits", "set", "--provider", simulator.baseURL, "--model", Self.model + "@flex", "--rpm", "300"]) }
        for step in steps {
            let result = try await CommandRun.groqbatchAwaiting(step + ["--db", db])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--backoff-base", "0.05",
                "--backoff-cap", "0.1", "--log-level", "error",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path("work.log"))
        #expect(await worker.wait(timeout: 60) == 0, "\(worker.output)")
        await simulator.stop()
        return (db, directory, worker.output)
    }

    func sql(_ db: String, _ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func flexJobsSpendOnFlexMetersWithTheirLargerLimits() async throws {
        // 60 jobs: two minutes at the on-demand 30 a minute, one burst on flex's 300.
        // The directory lives as long as `result`: it holds the database.
        let result = try await run(flexBusy: 0, importFlags: ["--service-tier", "flex"], jobs: 60, pinFlex: true)
        let db = result.db
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|60")
        #expect(try sql(db, "SELECT DISTINCT json_extract(raw_response, '$.service_tier') FROM results") == "flex")
        #expect(try sql(db, "SELECT COUNT(*) FROM attempts WHERE http_status = 429") == "0")
        #expect(try sql(db, "SELECT model, limit_value FROM budgets WHERE kind = 'rpm' ORDER BY model") == "\(Self.model)@flex|300")
        withExtendedLifetime(result) {}
    }

    @Test func a498MovesAFlexJobToOnDemandWhenTheBatchAllowsIt() async throws {
        let result = try await run(flexBusy: 1, importFlags: ["--service-tier", "flex", "--flex-fallback"], jobs: 5, pinFlex: false)
        let db = result.db
        #expect(try sql(db, "SELECT status, service_tier, COUNT(*) FROM jobs GROUP BY 1, 2") == "succeeded|on_demand|5")
        #expect(try sql(db, "SELECT COUNT(*) FROM attempts WHERE http_status = 498") == "5")
        #expect(try sql(db, "SELECT DISTINCT json_extract(raw_response, '$.service_tier') FROM results") == "on_demand")
        withExtendedLifetime(result) {}
    }

    @Test func withoutFallbackA498WaitsForFlexWithoutUsingUpATry() async throws {
        // One try per job: under the old rule the first 498 failed it. Flex is busy six calls in ten.
        let result = try await run(flexBusy: 0.6, importFlags: ["--service-tier", "flex", "--max-attempts", "1"], jobs: 10, pinFlex: true)
        let db = result.db
        #expect(try sql(db, "SELECT status, service_tier, COUNT(*) FROM jobs GROUP BY 1, 2") == "succeeded|flex|10")
        #expect(Int(try sql(db, "SELECT COUNT(*) FROM attempts WHERE http_status = 498")) ?? 0 > 0, "flex was busy for some calls")
        #expect(try sql(db, "SELECT MAX(model_attempts) FROM jobs") == "1", "only the answered call counted")
        withExtendedLifetime(result) {}
    }
}
