import Foundation
import GroqClient
import GroqSimulator
import TestSupport
import Testing

/// `--via batch-api`: jobs through the simulator's Batch API by a real worker process, with crashes.
@Suite(.serialized)
struct BatchExecutorTests {
    static let model = "sim/fast"

    static func simulator(
        linesPerSecond: Int, secondsPerWindowHour: Double = 3600, faults: String = "", in directory: TemporaryDirectory
    ) async throws -> SimulatorProcess {
        try await SimulatorProcess(
            configuration: """
                {"api_key": "sim-key", "speed_factor": 0, "models": [{"id": "\(model)", "max_output": 256}],
                 "batches": {"lines_per_second": \(linesPerSecond), "seconds_per_window_hour": \(secondsPerWindowHour),
                             "validation_seconds": 0.1, "finalizing_seconds": 0.1\(faults)}}
                """, requestLog: directory.path("requests.jsonl"), in: directory)
    }

    /// Runs `read` until the simulator's injected 500s let it through (at most 20 times).
    static func retryingFaults<T>(_ read: () async throws -> T) async throws -> T {
        for _ in 0..<19 {
            do { return try await read() } catch is ChatFailure { continue }
        }
        return try await read()
    }

    static func importJobs(_ count: Int, db: String, directory: TemporaryDirectory, extra: [String] = []) async throws {
        let file = directory.write(
            "jobs.jsonl", (1...count).map { #"{"custom_id":"c\#($0)","prompt":"Question number \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
        let run = try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", model, "--via", "batch-api"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
    }

    func work(_ simulator: SimulatorProcess, db: String, directory: TemporaryDirectory, log: String, extra: [String] = []) throws -> BackgroundProcess {
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "\#(Self.model)", "max_output": 256, "input_price": 0.1, "output_price": 0.2}]}"#)
        return try BackgroundProcess(
            groqbatch: [
                "work", "--drain", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog,
                "--batch-poll-interval", "0.2", "--log-level", "error",
            ] + extra,
            environment: ["GROQ_API_KEY": "sim-key"], logPath: directory.path(log))
    }

    func sql(_ db: String, _ query: String) throws -> String {
        try SQLiteShell.run([db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The simulator's log lines for one Batch API call.
    func calls(_ directory: TemporaryDirectory, _ endpoint: String) throws -> [RequestLogEntry] {
        try String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
            .filter { $0.endpoint == endpoint && $0.status == 200 }
    }

    @Test func twentyThousandJobsGoThroughSeveralFilesAndComeBackByCustomID() async throws {
        let directory = TemporaryDirectory("batch-e2e")
        let simulator = try await Self.simulator(linesPerSecond: 20_000, in: directory)
        let db = directory.path("q.sqlite")
        try await Self.importJobs(20_000, db: db, directory: directory)
        let worker = try work(simulator, db: db, directory: directory, log: "work.log", extra: ["--batch-max-lines", "5000"])
        #expect(await worker.wait(timeout: 300) == 0, "\(worker.output)")
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|20000")
        #expect(try sql(db, "SELECT COUNT(DISTINCT job_id), MIN(total_tokens) > 0, COUNT(DISTINCT request_id) FROM results") == "20000|1|20000")
        let remotes = try sql(db, "SELECT local_id, state, remote_status, lines, answered, failed, left_over, polls, last_error FROM remote_batches")
        #expect(try sql(db, "SELECT COUNT(*), SUM(lines), SUM(answered) FROM remote_batches WHERE state = 'done'") == "4|20000|20000", "\(remotes)")
        #expect(
            try sql(db, "SELECT ROUND(SUM(cost) / SUM((prompt_tokens * 0.1 + completion_tokens * 0.2) / 1e6), 6) FROM results") == "0.5",
            "answers are priced at the batch discount")
        #expect(try calls(directory, "POST /files").count == 4)
        #expect(try calls(directory, "POST /batches").count == 4)
        // The simulator answers a body the same way on demand: each stored answer is its own job's,
        // although output files list lines in another order than the input.
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key")))
        for id in [1, 4_999, 5_000, 12_345, 20_000] {
            let row = try sql(db, "SELECT j.request, r.content FROM jobs j JOIN results r ON r.job_id = j.id WHERE j.custom_id = 'c\(id)'")
            let parts = row.split(separator: "|", maxSplits: 1).map(String.init)
            let answer = try await client.chat(requestJSON: parts[0], model: Self.model).get()
            #expect(answer.completion.content == parts[1], "job c\(id) got another job's answer")
        }
        try await client.shutdown()
        await simulator.stop()
    }

    /// The provider at its worst and the worker killed at random: more than a page of files and batches
    /// on the account (recovery must read them all), lines that fail for the provider's sake, windows that
    /// expire before the work is done, calls to /files and /batches that fail. Every job is answered
    /// exactly once: by the queue's record and by the provider's own output files.
    @Test func killedAtRandomMomentsUnderProviderFaultsEveryJobIsAnsweredExactlyOnce() async throws {
        let directory = TemporaryDirectory("batch-crash")
        // 24 h last 0.24 s: about 190 of a file's 300 lines are answered before it expires.
        let simulator = try await Self.simulator(
            linesPerSecond: 1_000, secondsPerWindowHour: 0.01,
            faults: #", "max_page_size": 3, "line_fault_rate": 0.02, "fault_rate": 0.03"#, in: directory)
        let db = directory.path("q.sqlite")
        try await Self.importJobs(2_000, db: db, directory: directory)
        var states: [String: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        let arguments = ["--batch-max-lines", "300", "--lease", "3"]
        // Ten kills at least; more (up to twenty) while they have all landed in one phase, which a fast
        // run can make happen by chance (once: every remote batch was done at each of ten kills).
        for kill in 0..<20 where kill < 10 || states.count < 2 {
            let worker = try work(simulator, db: db, directory: directory, log: "kill-\(kill).log", extra: arguments)
            // At a random moment once the worker runs (it registers itself; a loaded machine starts it slowly).
            let started = Date()
            while Date().timeIntervalSince(started) < 30, try sql(db, "SELECT COUNT(*) FROM workers") != "\(kill + 1)" {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...2_500, using: &generator)))
            worker.signal(SIGKILL)
            _ = await worker.wait()
            for state in try sql(db, "SELECT state FROM remote_batches").split(separator: "\n") { states[String(state), default: 0] += 1 }
        }
        let last = try work(simulator, db: db, directory: directory, log: "final.log", extra: arguments)
        #expect(await last.wait(timeout: 400) == 0, "\(last.output)")
        print("batch crash test: remote batch states seen at kills: \(states)")

        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|2000")
        #expect(try sql(db, "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM results") == "2000|2000")
        #expect(try sql(db, "SELECT COUNT(*) FROM attempts WHERE outcome = 'success'") == "2000")
        #expect(Int(try sql(db, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry'")) ?? 0 > 0, "some lines failed for the provider's sake")
        #expect(Int(try sql(db, "SELECT COUNT(*) FROM remote_batches WHERE remote_status = 'expired'")) ?? 0 > 0, "some windows expired early")
        // The provider's view: every batch on the account (several pages), every answered line in its
        // output files. Each job was answered, and paid for, once.
        // The simulator's faults hit these reads too: each is tried until it goes through.
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key")))
        var answered: [String: Int] = [:]
        var batchCount = 0
        do {
            let batches = try await Self.retryingFaults { try await client.batches() }
            batchCount = batches.count
            for batch in batches {
                guard let output = batch.outputFileID else { continue }
                answered = try await Self.retryingFaults {
                    var counts = answered
                    try await client.forEachFileLine(id: output) { line in
                        let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                        if let id = object?["custom_id"] as? String, (object?["response"] as? [String: Any])?["status_code"] as? Int == 200 {
                            counts[id, default: 0] += 1
                        }
                    }
                    return counts
                }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        #expect(batchCount > 3, "more than a page of batches")
        await simulator.stop()
        #expect(
            answered.count == 2_000 && answered.values.allSatisfy { $0 == 1 },
            "\(answered.count) jobs answered, \(answered.values.filter { $0 > 1 }.count) more than once")
        // No input file was uploaded twice, and each became one remote batch at most.
        let uploads = try calls(directory, "POST /files").compactMap { $0.resource?.split(separator: " ").last.map(String.init) }
        #expect(Set(uploads).count == uploads.count, "an input file was uploaded twice: \(uploads)")
        let created = try calls(directory, "POST /batches").compactMap { $0.resource?.split(separator: " ").last.map(String.init) }
        #expect(Set(created).count == created.count, "an input file became two batches")
        #expect(states.count >= 2, "kills should land in more than one phase: \(states)")
    }

    @Test func cancellingTheBatchCancelsItsRemoteBatches() async throws {
        let directory = TemporaryDirectory("batch-cancel")
        let simulator = try await Self.simulator(linesPerSecond: 200, in: directory)
        let db = directory.path("q.sqlite")
        try await Self.importJobs(1_000, db: db, directory: directory)
        let worker = try work(simulator, db: db, directory: directory, log: "work.log")
        var submitted = false
        for _ in 0..<100 where !submitted {
            try await Task.sleep(for: .milliseconds(100))
            submitted = try sql(db, "SELECT COUNT(*) FROM remote_batches WHERE state = 'submitted'") == "1"
        }
        #expect(submitted)
        let cancel = try await CommandRun.groqbatchAwaiting(["cancel", "--batch", "jobs", "--db", db])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(await worker.wait(timeout: 60) == 0, "\(worker.output)")
        await simulator.stop()
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "cancelled|1000")
        #expect(try sql(db, "SELECT state FROM remote_batches") == "done")
        #expect(try calls(directory, "POST /batches/{id}/cancel").count == 1, "the provider was told")
    }

    struct Plan: Decodable {
        struct Model: Decodable { var requests: Int }
        struct Share: Decodable { var requests: Int }
        var models: [Model]
        var batch_api: Share?
        var fits_deadline: Bool?
    }

    /// (requests per day, hours to the deadline) → on-demand and Batch API shares planned and then run.
    @Test(arguments: [(1_000, 25.0, 200, 0), (50, 25.0, 50, 150), (50, 20.0, 200, 0)])
    func viaAutoPutsOnDemandWhatTheLimitsFinishByTheDeadlineAndTheRestInTheBatchAPI(rpd: Int, hours: Double, onDemand: Int, batch: Int) async throws {
        let directory = TemporaryDirectory("batch-auto")
        let simulator = try await Self.simulator(linesPerSecond: 20_000, in: directory)
        let db = directory.path("q.sqlite")
        let deadline = ISO8601DateFormatter().string(from: Date().addingTimeInterval(hours * 3600))
        let file = directory.write(
            "jobs.jsonl", (1...200).map { #"{"custom_id":"c\#($0)","prompt":"Question \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
        let catalog = directory.write("catalog.json", #"{"models": [{"id": "\#(Self.model)", "max_output": 256}]}"#)
        for arguments in [
            ["import", file, "--model", Self.model, "--via", "auto", "--deadline", deadline],
            ["limits", "set", "--provider", simulator.baseURL, "--model", Self.model, "--rpm", "600", "--rpd", "\(rpd)"],
        ] {
            let run = try await CommandRun.groqbatchAwaiting(arguments + ["--db", db])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let planned = try await CommandRun.groqbatchAwaiting(["plan", "--json", "--db", db, "--base-url", simulator.baseURL, "--catalog", catalog])
        let plan = try JSONDecoder().decode(Plan.self, from: Data(planned.stdout.utf8))
        #expect(plan.models.first?.requests == onDemand)
        #expect((plan.batch_api?.requests ?? 0) == batch)
        #expect(plan.fits_deadline == (hours >= 24 || rpd >= 200), "200 jobs at \(rpd) a day within \(hours) h")
        if hours < 24 && rpd < 200 { return }  // the run would take days: the plan said so
        let worker = try work(simulator, db: db, directory: directory, log: "work.log")
        #expect(await worker.wait(timeout: 300) == 0, "\(worker.output)")
        await simulator.stop()
        #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|200")
        let remote = try sql(db, "SELECT COALESCE(SUM(answered), 0) FROM remote_batches")
        #expect(remote == "\(batch)", "the Batch API answered its share")
        #expect(try sql(db, "SELECT COUNT(*) FROM jobs WHERE via = 'on-demand'") == "\(onDemand)")
    }

    /// (policy, hours to the deadline or none): what the jobs an expired remote batch left do.
    @Test(arguments: [("requeue", nil), ("requeue", 20.0), ("on-demand", nil), ("fail", nil)] as [(String, Double?)])
    func anExpiredRemoteBatchKeepsItsAnswersAndTheRestFollowTheBatchsPolicy(policy: String, hours: Double?) async throws {
        let directory = TemporaryDirectory("batch-expiry")
        // 24 h last 0.48 s here; at 1,000 lines a second about 380 of 2,000 lines are answered per window.
        let simulator = try await Self.simulator(linesPerSecond: 1_000, secondsPerWindowHour: 0.02, in: directory)
        let db = directory.path("q.sqlite")
        var extra = ["--if-remote-expires", policy]
        if let hours { extra += ["--deadline", ISO8601DateFormatter().string(from: Date().addingTimeInterval(hours * 3600))] }
        try await Self.importJobs(2_000, db: db, directory: directory, extra: extra)
        let worker = try work(simulator, db: db, directory: directory, log: "work.log")
        #expect(await worker.wait(timeout: 300) == 0, "\(worker.output)")
        await simulator.stop()
        let first = try sql(db, "SELECT remote_status, answered, left_over FROM remote_batches ORDER BY id LIMIT 1").split(separator: "|")
        #expect(first.first == "expired")
        let answered = try #require(Int(first[1]))
        let left = try #require(Int(first[2]))
        #expect(answered > 200 && answered + left == 2_000, "\(first)")
        let viaBatch = Int(try sql(db, "SELECT COUNT(*) FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.via IS NULL AND a.outcome = 'success'")) ?? -1
        let onDemand = Int(try sql(db, "SELECT COUNT(*) FROM jobs WHERE via = 'on-demand' AND status = 'succeeded'")) ?? -1
        switch (policy, hours) {
        case ("requeue", nil):
            // Packed into new remote batches, window after window, until every job is answered: none on demand.
            #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|2000")
            #expect(viaBatch == 2_000 && onDemand == 0, "\(viaBatch) through the Batch API, \(onDemand) on demand")
            #expect(Int(try sql(db, "SELECT COUNT(*) FROM remote_batches")) ?? 0 > 2)
        case ("fail", _):
            #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status") == "failed|\(left)\nsucceeded|\(answered)")
            #expect(try sql(db, "SELECT DISTINCT error_code FROM jobs WHERE status = 'failed'") == "batch_expired")
        default:
            // on-demand, or a deadline too close for another 24 h window: the rest run on demand.
            #expect(try sql(db, "SELECT status, COUNT(*) FROM jobs GROUP BY status") == "succeeded|2000")
            #expect(viaBatch == answered && onDemand == left, "\(viaBatch) through the Batch API, \(onDemand) on demand")
        }
    }

    /// The worker's peak resident memory, read from /proc while it runs (VmHWM only grows), in MB.
    func peakMegabytes(_ process: BackgroundProcess) async -> Double {
        var peak = 0.0
        while process.process.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
            {
                peak = max(peak, kilobytes / 1024)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return peak
    }

    @Test func anUploadAndItsAnswersAreStreamedNotHeld() async throws {
        let directory = TemporaryDirectory("batch-memory")
        let simulator = try await Self.simulator(linesPerSecond: 50_000, in: directory)
        let small = directory.path("small.sqlite")
        let large = directory.path("large.sqlite")
        let padding = String(repeating: "lorem ipsum dolor sit amet ", count: 180)  // about 5 kB a prompt
        for (db, count) in [(small, 200), (large, 8_000)] {
            let file = directory.write(
                "jobs-\(count).jsonl", (1...count).map { #"{"custom_id":"c\#($0)","prompt":"\#(padding) \#($0)","max_tokens":16}"# }.joined(separator: "\n"))
            let run = try await CommandRun.groqbatchAwaiting(["import", file, "--db", db, "--model", Self.model, "--via", "batch-api", "--batch", "jobs"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        var peaks: [Double] = []
        for db in [small, large] {
            let worker = try work(simulator, db: db, directory: directory, log: "work.log", extra: ["--batch-max-lines", "50000"])
            peaks.append(await peakMegabytes(worker))
            #expect(await worker.wait(timeout: 300) == 0, "\(worker.output)")
            #expect(try sql(db, "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") == (db == small ? "200" : "8000"))
        }
        await simulator.stop()
        print("batch memory test: peak \(peaks) MB")
        // A 40 MB input file and its answers: held whole (three copies of the upload, every answer at
        // once) the worker grew by hundreds of MB; streamed, it grows by a few pages.
        #expect(peaks[1] - peaks[0] < 40, "peak \(Int(peaks[0])) MB for 200 jobs, \(Int(peaks[1])) MB for 8,000 jobs of 5 kB")
    }
}
