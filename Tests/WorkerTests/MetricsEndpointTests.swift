import Foundation
import GroqSimulator
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `work --metrics-port` scraped over HTTP while the worker runs.
struct MetricsEndpointTests {
    /// The value of the first sample line starting with `prefix`.
    func sample(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func prometheusTextCountsWhatTheDatabaseHolds() async throws {
        let fixture = try await WorkerFixture(faults: FaultRates(serverError: 0.1, rateLimited: 0.1), speed: 0, seed: 3)
        _ = await fixture.simulator.setLimits(model: WorkerFixture.fast, rpm: 100_000, rpd: 100_000, tpm: 1_000_000)
        try fixture.addJobs(30)
        let worker = try BackgroundProcess(
            groqbatch: [
                "work", "--db", fixture.dbPath, "--base-url", fixture.simulator.baseURL, "--catalog", fixture.catalogPath,
                "--metrics-port", "0", "--for", "180s", "--backoff-base", "0.05", "--backoff-cap", "0.2",
            ],
            environment: ["GROQ_API_KEY": "sim-key"], logPath: fixture.directory.path("work.log"))
        defer { worker.signal(SIGKILL) }
        var url: URL?
        var text = ""
        // Generous: on a loaded machine the worker's start and its 30 jobs may take a while; the scrape
        // is what is tested, not how soon it comes.
        let deadline = Date().addingTimeInterval(150)
        while Date() < deadline {
            if url == nil, let match = worker.output.firstMatch(of: #/metrics on (http://127\.0\.0\.1:\d+/metrics)/#) {
                url = URL(string: String(match.output.1))
            }
            if let url, try fixture.sql("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')") == "0" {
                let (data, response) = try await URLSession.shared.data(from: url)
                #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain") == true)
                text = String(decoding: data, as: UTF8.self)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!text.isEmpty, "the jobs were done and /metrics answered within 150 s: \(worker.output)")
        worker.signal(SIGTERM)
        #expect(await worker.wait(timeout: 30) == 0, "\(worker.output)")
        await fixture.stop()
        let fast = "model=\"\(WorkerFixture.fast)\""
        let successes = try #require(Double(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE outcome = 'success'")))
        let limited = try #require(Double(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE http_status = 429")))
        #expect(successes == 30)
        #expect(sample(text, "groqbatch_requests_total{\(fast),outcome=\"success\"}") == successes, "\(text)")
        #expect(limited > 0 && sample(text, "groqbatch_rate_limited_total{\(fast),limit=\"rpm\"}") == limited)
        #expect(sample(text, "groqbatch_jobs{status=\"succeeded\"}") == 30)
        #expect(sample(text, "groqbatch_jobs_finished_total{status=\"succeeded\"}") == 30)
        #expect(sample(text, "groqbatch_in_flight") == 0)
        #expect(
            sample(text, "groqbatch_request_duration_seconds_count{\(fast)}") == successes + limited
                + (try #require(Double(try fixture.sql("SELECT COUNT(*) FROM attempts WHERE http_status = 500")))))
        #expect(sample(text, "groqbatch_budget_remaining{\(fast),kind=\"tpm\"}") != nil, "each meter's remaining budget")
        let completion = try #require(Double(try fixture.sql("SELECT SUM(completion_tokens) FROM results")))
        #expect(sample(text, "groqbatch_tokens_total{\(fast),kind=\"completion\"}") == completion)
        #expect(text.contains("groqbatch_errors_total{\(fast),class=\"retry\",code=\"internal_server_error\"}"))
    }
}
