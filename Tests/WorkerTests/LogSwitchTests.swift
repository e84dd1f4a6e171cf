import Foundation
import GroqSimulator
import TestSupport
import Testing

/// `work` with every log switch on: the events carry what they promise, and the key is nowhere.
struct LogSwitchTests {
    @Test func everyEventIsJSONWithItsJobAndTheKeyAppearsNowhere() async throws {
        let key = "sim-key-4d1f9c7e2b"
        let fixture = try await WorkerFixture(faults: FaultRates(serverError: 0.05, rateLimited: 0.2), speed: 0, seed: 5, apiKey: key)
        _ = await fixture.simulator.setLimits(model: WorkerFixture.fast, rpm: 100_000, tpm: 10_000_000)
        let long = String(repeating: "a very long prompt ", count: 40)
        try fixture.addJobs(40, body: { #"{"max_tokens":24,"messages":[{"content":"\#(long) \#($0)","role":"user"}]}"# })
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", fixture.catalogPath,
                "--drain", "--backoff-base", "0.05", "--backoff-cap", "0.2", "--log-format", "json", "--log-requests",
                "--log-responses", "--log-latency", "--log-rate-limit",
            ],
            environment: ["GROQ_API_KEY": key], logPath: fixture.directory.path("work.log"))
        #expect(await worker.wait(timeout: 120) == 0, "\(worker.output)")
        await fixture.stop()
        let export = try await CommandRun.groqbatchAwaiting(["export", "--db", fixture.dbPath])
        let dump = try SQLiteShell.run([fixture.dbPath, ".dump"])
        for (place, text) in [("log", worker.output), ("export", export.stdout + export.stderr), ("database", dump.stdout)] {
            #expect(!text.contains(key), "the key is in the \(place)")
            #expect(!text.contains("Bearer"), "an authorization header is in the \(place)")
        }
        var messages: [String: Int] = [:]
        for line in worker.output.split(separator: "\n") {
            let object = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "not JSON: \(line)")
            let message = try #require(object["message"] as? String)
            messages[message, default: 0] += 1
            guard ["request", "response", "error response", "latency", "rate limited", "rate limit headers"].contains(message) else { continue }
            for field in ["job", "custom_id", "model", "attempt"] { #expect(object[field] != nil, "\(message) lacks \(field)") }
            if message == "request" {
                let body = try #require(object["body"] as? String)
                #expect(body.count < 400 && body.contains("more characters"), "bodies are cut: \(body.count)")
            }
        }
        #expect(messages["request"] ?? 0 >= 40 && messages["latency"] ?? 0 >= 40)
        #expect(messages["response"] == 40, "one answer per job")
        #expect(messages["error response"] ?? 0 > 0 && messages["rate limited"] ?? 0 > 0, "\(messages)")
        #expect(messages["rate limit headers"] ?? 0 > 0)
    }
}
