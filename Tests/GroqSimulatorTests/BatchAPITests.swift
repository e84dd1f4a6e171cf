import Foundation
import GroqClient
import GroqSimulator
import TestSupport
import Testing

/// The simulated Batch API through groqbatch's client: files, batches, the status machine, expiry,
/// cancellation, validation and faults.
struct BatchAPITests {
    static let model = "sim/batch"
    static let retired = "sim/old"

    /// Runs `body` against a fresh simulator and client, always shutting both down.
    func withSimulator(
        _ batches: BatchSettings, directory: TemporaryDirectory, _ body: (GroqSimulator, GroqClient) async throws -> Void
    ) async throws {
        let simulator = try await GroqSimulator.start(
            configuration: SimulatorConfiguration(
                models: [SimulatedModel(id: Self.model, maxOutput: 64), SimulatedModel(id: Self.retired, decommissioned: true)],
                speedFactor: 0, requestLog: directory.path("log.jsonl"), batches: batches))
        let client = try GroqClient(configuration: GroqClientConfiguration(baseURL: simulator.baseURL, apiKey: APIKey("sim-key")))
        var failure: (any Error)?
        do { try await body(simulator, client) } catch { failure = error }
        try await client.shutdown()
        await simulator.stop()
        if let failure { throw failure }
    }

    static func input(_ count: Int, retiredEvery: Int = 0) -> [UInt8] {
        let lines = (1...count).map { n in
            let model = retiredEvery > 0 && n % retiredEvery == 0 ? retired : model
            return
                #"{"custom_id":"line-\#(n)","method":"POST","url":"/v1/chat/completions","body":{"model":"\#(model)","max_tokens":16,"messages":[{"role":"user","content":"Question \#(n)"}]}}"#
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// custom_id of each output or error line.
    static func customIDs(_ bytes: [UInt8]) throws -> [String] {
        try bytes.split(separator: 0x0A).map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            return try #require(object["custom_id"] as? String)
        }
    }

    func waitUntilFinal(_ client: GroqClient, _ id: String, seen: inout Set<String>) async throws -> RemoteBatch {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let batch = try await client.batch(id: id)
            seen.insert(batch.status)
            if batch.isFinal { return batch }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    @Test func aBatchRunsThroughItsStatusesAndAnswersEveryLineByCustomID() async throws {
        let directory = TemporaryDirectory("batch")
        // 1,200 lines at 60 a second: twenty seconds in progress, which polls see even on a loaded machine
        // (at 200 a second, six seconds passed between the create and the first poll of a CI run).
        try await withSimulator(BatchSettings(linesPerSecond: 60, validationSeconds: 0.1, finalizingSeconds: 0.1), directory: directory) { _, client in
            let file = try await client.uploadBatchFile(filename: "gb-0001.jsonl", content: Self.input(1_200, retiredEvery: 100))
            #expect(file.purpose == "batch" && file.filename == "gb-0001.jsonl")
            #expect(try await client.files().contains { $0.id == file.id && $0.filename == "gb-0001.jsonl" }, "findable by name after a crash")
            let created = try await client.createBatch(inputFileID: file.id, completionWindow: "24h", metadata: ["groqbatch_id": "b-1"])
            #expect(created.status == "validating")
            #expect(try await client.batches().first { $0.metadata?["groqbatch_id"] == "b-1" }?.id == created.id, "findable by metadata")
            var seen = Set<String>()
            let done = try await waitUntilFinal(client, created.id, seen: &seen)
            #expect(done.status == "completed")
            #expect(seen.contains("in_progress"))
            #expect(done.requestCounts.map { [$0.total, $0.completed, $0.failed] } == [1_200, 1_188, 12])
            let output = try await client.fileContent(id: try #require(done.outputFileID))
            let errors = try await client.fileContent(id: try #require(done.errorFileID))
            let answered = try Self.customIDs(output)
            let failed = try Self.customIDs(errors)
            #expect(Set(answered + failed) == Set((1...1_200).map { "line-\($0)" }) && answered.count + failed.count == 1_200)
            #expect(answered != answered.sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }, "output is not in input order")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(output.split(separator: 0x0A)[0])) as? [String: Any])
            let response = try #require(first["response"] as? [String: Any])
            #expect(response["status_code"] as? Int == 200)
            let usage = try #require((response["body"] as? [String: Any])?["usage"] as? [String: Any])
            #expect((usage["completion_tokens"] as? Int ?? 0) > 0)
            #expect(String(decoding: errors, as: UTF8.self).contains("model_decommissioned"))
        }
    }

    @Test func anExpiredBatchKeepsItsFinishedLinesAndReportsTheRest() async throws {
        let directory = TemporaryDirectory("batch")
        // A 24 h window lasts 0.48 s here; at 1,000 lines a second about 380 of 2,000 lines finish.
        try await withSimulator(BatchSettings(linesPerSecond: 1_000, secondsPerWindowHour: 0.02, validationSeconds: 0.1), directory: directory) { _, client in
            let file = try await client.uploadBatchFile(filename: "gb-0002.jsonl", content: Self.input(2_000))
            let batch = try await client.createBatch(inputFileID: file.id, completionWindow: "24h", metadata: [:])
            var seen = Set<String>()
            let done = try await waitUntilFinal(client, batch.id, seen: &seen)
            #expect(done.status == "expired")
            let counts = try #require(done.requestCounts)
            #expect(counts.completed > 300 && counts.completed < 450, "\(counts)")
            let answered = try Self.customIDs(try await client.fileContent(id: try #require(done.outputFileID)))
            let errors = try await client.fileContent(id: try #require(done.errorFileID))
            let left = try Self.customIDs(errors)
            #expect(answered.count == counts.completed && answered.count + left.count == 2_000)
            #expect(String(decoding: errors, as: UTF8.self).contains("batch_expired"))
        }
    }

    @Test func aCancelledBatchStopsWithPartialOutput() async throws {
        let directory = TemporaryDirectory("batch")
        try await withSimulator(BatchSettings(linesPerSecond: 500, validationSeconds: 0, finalizingSeconds: 0.1), directory: directory) { _, client in
            let file = try await client.uploadBatchFile(filename: "gb-0003.jsonl", content: Self.input(5_000))
            let batch = try await client.createBatch(inputFileID: file.id, completionWindow: "7d", metadata: [:])
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.cancelBatch(id: batch.id).status == "cancelling")
            var seen = Set<String>()
            let done = try await waitUntilFinal(client, batch.id, seen: &seen)
            #expect(done.status == "cancelled")
            let completed = try #require(done.requestCounts?.completed)
            #expect(completed > 0 && completed < 5_000)
        }
    }

    @Test func badRequestsAreRefusedAsGroqWould() async throws {
        let directory = TemporaryDirectory("batch")
        try await withSimulator(BatchSettings(), directory: directory) { _, client in
            await #expect(throws: ChatFailure.self) { try await client.createBatch(inputFileID: "file_missing", completionWindow: "24h", metadata: [:]) }
            let file = try await client.uploadBatchFile(filename: "ok.jsonl", content: Self.input(3))
            do {
                _ = try await client.createBatch(inputFileID: file.id, completionWindow: "1h", metadata: [:])
                Issue.record("a 1h window was accepted")
            } catch let error as ChatFailure {
                #expect(error.httpStatus == 400 && error.message.contains("completion_window"))
            }
            do {
                _ = try await client.uploadBatchFile(filename: "big.jsonl", content: Array(String(repeating: "{}\n", count: 50_001).utf8))
                Issue.record("50,001 lines were accepted")
            } catch let error as ChatFailure {
                #expect(error.httpStatus == 400 && error.message.contains("50,000 lines"))
            }
        }
    }

    @Test func faultsHitTheBatchEndpointsAndTheLogNamesEveryCall() async throws {
        let directory = TemporaryDirectory("batch")
        try await withSimulator(BatchSettings(faultRate: 1), directory: directory) { _, client in
            do {
                _ = try await client.uploadBatchFile(filename: "x.jsonl", content: Self.input(2))
                Issue.record("the fault did not fire")
            } catch let error as ChatFailure {
                #expect(error.httpStatus == 500 && error.outcomeClass == .retry)
            }
        }
        let entries = try String(contentsOfFile: directory.path("log.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(RequestLogEntry.self, from: Data($0.utf8)) }
        #expect(entries.map(\.endpoint) == ["POST /files"] && entries.first?.fault == "server_error")
    }

    @Test func listsComeInPagesAndTheClientFollowsThemToTheOldestObject() async throws {
        let directory = TemporaryDirectory("batch-pages")
        try await withSimulator(BatchSettings(linesPerSecond: 10_000, validationSeconds: 0, finalizingSeconds: 0, maxPageSize: 3), directory: directory) {
            simulator, client in
            var batchIDs: [String] = []
            for n in 1...8 {
                let file = try await client.uploadBatchFile(filename: "gb-\(n).jsonl", content: Self.input(2))
                batchIDs.append(try await client.createBatch(inputFileID: file.id, completionWindow: "24h", metadata: ["groqbatch_id": "b-\(n)"]).id)
            }
            // One page holds the three newest: what a client reading only the first page would see.
            let listed = try CommandRun.run("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer sim-key", simulator.baseURL + "/batches?limit=100"])
            let page = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
            #expect((page["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(batchIDs.suffix(3).reversed()))
            #expect(page["has_more"] as? Bool == true && page["last_id"] as? String == batchIDs[5])
            // The client reads on, page after page.
            #expect(try await client.batches().map(\.id) == batchIDs.reversed())
            #expect(try await client.batch(metadata: "groqbatch_id", equals: "b-1")?.id == batchIDs[0], "the oldest, on the last page")
            #expect(try await client.file(named: "gb-1.jsonl") != nil)
            #expect(try await client.file(named: "gb-9.jsonl") == nil)
            #expect(try await client.files().filter { $0.purpose == "batch" }.count == 8, "every input file, over several pages")
        }
    }

    @Test func someLinesFailForTheProvidersSakeAsA500OrATimeout() async throws {
        let directory = TemporaryDirectory("batch-line-faults")
        try await withSimulator(BatchSettings(linesPerSecond: 10_000, validationSeconds: 0, finalizingSeconds: 0, lineFaultRate: 0.1), directory: directory) {
            _, client in
            let file = try await client.uploadBatchFile(filename: "faults.jsonl", content: Self.input(2_000))
            let created = try await client.createBatch(inputFileID: file.id, completionWindow: "24h", metadata: [:])
            var seen: Set<String> = []
            let done = try await waitUntilFinal(client, created.id, seen: &seen)
            #expect(done.status == "completed")
            var answered = 0
            var serverErrors = 0
            var timeouts = 0
            try await client.forEachFileLine(id: try #require(done.outputFileID)) { _ in answered += 1 }
            try await client.forEachFileLine(id: try #require(done.errorFileID)) { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                if let response = object["response"] as? [String: Any], response["status_code"] as? Int == 500 { serverErrors += 1 }
                if (object["error"] as? [String: Any])?["code"] as? String == "request_timeout" { timeouts += 1 }
            }
            #expect(answered + serverErrors + timeouts == 2_000)
            #expect(serverErrors > 40 && timeouts > 40, "about 100 each: \(serverErrors) 500s, \(timeouts) timeouts")
            #expect(done.requestCounts?.failed == serverErrors + timeouts)
        }
    }

    @Test func anUploadMayTakeAMinutePlusASecondPerMegabyte() {
        #expect(GroqClient.transferSeconds(bytes: 0, base: 60) == 60)
        #expect(GroqClient.transferSeconds(bytes: 200_000_000, base: 60) == 260, "a 200 MB input file is not cut off at a chat call's minute")
    }
}
