import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `groqbatch serve` over real HTTP, against a queue a real worker filled: every page and API endpoint,
/// the escaping of hostile text, the security headers, and the token.
@Suite(.serialized)
struct ServeCommandTests {
    let directory = TemporaryDirectory("serve")
    var db: String { directory.path("q.sqlite") }
    static let hostile = "<script>alert(1)</script>"

    /// A batch with a hostile custom_id, run to the end against the simulator.
    func fillQueue() async throws {
        let lines = [
            #"{"custom_id": "\#(Self.hostile)", "prompt": "Say <b>hi</b>", "max_tokens": 16}"#,
            #"{"custom_id": "plain-1", "prompt": "Hello", "max_tokens": 16}"#,
        ]
        let file = directory.write("night.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", "sim/fast"]).status == 0)
        let simulator = try await SimulatorProcess(
            configuration: #"{"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "sim/fast", "max_output": 256, "rpm": 100}]}"#,
            requestLog: directory.path("requests.jsonl"), in: directory)
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "sim/fast", "max_output": 256}]}"#)
        let worked = try await CommandRun.groqbatchAwaiting(
            ["work", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog, "--drain", "--log-level", "error"],
            environment: ["GROQ_API_KEY": "sim-key"])
        await simulator.stop()
        #expect(worked.status == 0, "\(worked.stderr)")
    }

    func serve(_ extra: [String] = []) async throws -> (BackgroundProcess, String) {
        let server = try BackgroundProcess(groqbatch: ["serve", "--db", db, "--listen", "127.0.0.1:0"] + extra, logPath: directory.path("serve.log"))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let line = server.output.split(separator: "\n").first, let match = line.wholeMatch(of: #/listening on (http://127\.0\.0\.1:\d+)/#) {
                return (server, String(match.output.1))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    func get(_ url: String, headers: [String: String] = [:]) async throws -> (Int, String, HTTPURLResponse) {
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http)
    }

    @Test func everyPageAndEndpointAnswersEscapedAndHeadered() async throws {
        try await fillQueue()
        let (server, base) = try await serve()
        defer { server.signal(SIGTERM) }

        let (status, overview, response) = try await get(base + "/")
        #expect(status == 200)
        #expect(overview.contains(">night</a>") && overview.contains("100% done"), "\(overview)")
        #expect(response.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(response.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
        #expect(response.value(forHTTPHeaderField: "X-Frame-Options") == "DENY")

        let (_, jobs, _) = try await get(base + "/jobs?batch=night&q=%3Cscript")
        #expect(jobs.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(jobs)")
        #expect(!jobs.contains(Self.hostile))
        #expect(!jobs.contains("plain-1"), "the search filters by custom_id")
        let id = try #require(jobs.firstMatch(of: #/href="/jobs/(\d+)"/#).map { String($0.output.1) })
        let (jobStatus, job, _) = try await get(base + "/jobs/\(id)")
        #expect(jobStatus == 200 && job.contains("Say &lt;b&gt;hi&lt;/b&gt;") && !job.contains(Self.hostile))
        #expect(job.contains("success"), "the call is on the timeline")

        #expect(try await get(base + "/batches/night").0 == 200)
        #expect(try await get(base + "/batches/nope").0 == 404)
        #expect(try await get(base + "/jobs/999999").0 == 404)
        #expect(try await get(base + "/models").0 == 200)
        #expect(try await get(base + "/assets/style.css").0 == 200)
        #expect(try await get(base + "/jobs?status=failed").1.contains("No job matches."))

        // The API says what the commands' --json say.
        for (path, command) in [("/api/v1/status", ["status", "--json"]), ("/api/v1/limits", ["limits", "--json"]), ("/api/v1/stats", ["stats", "--json"])] {
            let (apiStatus, body, _) = try await get(base + path)
            let printed = try await CommandRun.groqbatchAwaiting(command + ["--db", db]).stdout
            #expect(apiStatus == 200 && body == printed, "\(path)")
        }
        let (detailStatus, detail, _) = try await get(base + "/api/v1/jobs/\(id)")
        #expect(detailStatus == 200 && detail.contains(#""custom_id" : "\#(Self.hostile)""#), "\(detail)")
        #expect(try await get(base + "/api/v1/jobs/999999").0 == 404)
        let (_, apiJobs, _) = try await get(base + "/api/v1/jobs?batch=night")
        #expect(apiJobs.contains(#""custom_id" : "plain-1""#) || apiJobs.contains(#""custom_id": "plain-1""#), "\(apiJobs)")
    }

    func post(_ url: String, form: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(form.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    func sql(_ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func actionsNeedTheFlagAndTheFormsToken() async throws {
        try await fillQueue()
        let spaced = directory.write("spaced.jsonl", #"{"custom_id": "s1", "prompt": "Hi"}"# + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", spaced, "--db", db, "--model", "sim/fast", "--batch", "night shift"]).status == 0)
        let later = directory.write("later.jsonl", #"{"custom_id": "l1", "prompt": "Later"}"# + "\n" + #"{"custom_id": "l2", "prompt": "Later"}"# + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", later, "--db", db, "--model", "sim/fast"]).status == 0)
        do {
            let (server, base) = try await serve()
            defer { server.signal(SIGTERM) }
            #expect(!(try await get(base + "/batches/later").1.contains("<form method=\"post\"")), "no buttons without --allow-actions")
            let (spacedStatus, spacedPage, _) = try await get(base + "/batches/night%20shift")
            #expect(spacedStatus == 200 && spacedPage.contains("Batch night shift"), "a name with a space, from its link")
            #expect(try await get(base + "/").1.contains(#"href="/batches/night%20shift""#))
            #expect(try await post(base + "/batches/later/cancel", form: "csrf=x").0 == 404)
        }
        let (server, base) = try await serve(["--allow-actions"])
        defer { server.signal(SIGTERM) }
        #expect(try await get(base + "/").1.contains("<td>about 20"), "a batch with queued jobs has the planner's ETA")
        let page = try await get(base + "/batches/later").1
        let csrf = try #require(page.firstMatch(of: #/name="csrf" value="([a-z0-9]+)"/#).map { String($0.output.1) })
        #expect(try await post(base + "/batches/later/cancel", form: "csrf=wrong").0 == 403)
        #expect(try sql("SELECT COUNT(*) FROM jobs WHERE status = 'cancelled'") == "0")
        #expect(try await post(base + "/batches/later/cancel", form: "csrf=\(csrf)").0 == 200)
        #expect(try sql("SELECT COUNT(*) FROM jobs WHERE status = 'cancelled'") == "2")
        let id = try sql("SELECT id FROM jobs WHERE custom_id = 'l1'")
        #expect(try await get(base + "/jobs/\(id)").1.contains("/jobs/\(id)/requeue"))
        #expect(try await post(base + "/jobs/\(id)/requeue", form: "csrf=\(csrf)").0 == 200)
        #expect(try sql("SELECT status FROM jobs WHERE id = \(id)") == "queued")
        let log = try String(contentsOfFile: directory.path("serve.log"), encoding: .utf8)
        #expect(log.contains("action: cancelled 2 unfinished jobs of batch 'later'") && log.contains("action: queued job \(id) again"), "\(log)")
    }

    @Test func aTokenGuardsEveryPageAndTheAPI() async throws {
        try await fillQueue()
        let secret = "a-long-random-token-0123456789"
        let tokenFile = directory.write("token", secret + "\n")
        let (server, base) = try await serve(["--token", tokenFile])
        defer { server.signal(SIGTERM) }
        #expect(try await get(base + "/api/v1/status").0 == 401)
        #expect(try await get(base + "/api/v1/status", headers: ["Authorization": "Bearer wrong"]).0 == 401)
        #expect(try await get(base + "/api/v1/status", headers: ["Authorization": "Bearer \(secret)"]).0 == 200)
        let (_, page, response) = try await get(base + "/")
        #expect(response.url?.path == "/login" && page.contains("Sign in"), "a browser without the cookie is sent to the form")
        #expect(try await get(base + "/", headers: ["Cookie": "groqbatch_token=\(secret)"]).0 == 200)
        #expect(!(try String(contentsOfFile: directory.path("serve.log"), encoding: .utf8)).contains(secret))

        let refused = try await CommandRun.groqbatchAwaiting(["serve", "--db", db, "--listen", "0.0.0.0:0"])
        #expect(refused.status != 0 && refused.stderr.contains("add --token FILE"), "\(refused.stderr)")
    }
}
