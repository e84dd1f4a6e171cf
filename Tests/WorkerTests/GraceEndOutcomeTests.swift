import Foundation
import GroqSimulator
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import Worker

/// The calls cut at the end of a graceful shutdown's grace period still have their outcomes written:
/// the store refuses writes from a cancelled task, and the cut calls' writes used to run in theirs.
struct GraceEndOutcomeTests {
    /// Every message a worker logs.
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func handler() -> some LogHandler { Handler(sink: self) }

        struct Handler: LogHandler {
            let sink: LogLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) { sink.lines.withLock { $0.append("\(event.level): \(event.message)") } }
        }
    }

    static var stores: [String] { PostgresTestServer.enabled ? ["sqlite", "postgres"] : ["sqlite"] }

    @Test(arguments: stores)
    func callsCutAtTheEndOfTheGracePeriodWriteTheirAbandonedAttemptsAndGiveTheirReservationsBack(_ kind: String) async throws {
        // Every call hangs far longer than the test: the grace period always ends with all of them in flight.
        let fixture = try await WorkerFixture(faults: FaultRates(hang: 1), hangSeconds: 300)
        do {
            if kind == "sqlite" {
                try fixture.addJobs(3, tokenCap: 100_000)
                try await Self.stopMidCall(fixture, store: fixture.store, sql: fixture.sql)
            } else {
                try await PostgresTestServer.withStore { store in
                    let staged = try await store.beginImport(
                        BatchSpec(name: "b", source: "test", models: [WorkerFixture.fast], maxAttempts: 10, tokenCap: 100_000), now: Date())
                    _ = try await store.stage(
                        (1...3).map {
                            NewJob(
                                line: $0, customID: "j\($0)", requestJSON: #"{"max_tokens":24,"messages":[{"content":"Prompt \#($0).","role":"user"}]}"#,
                                models: [WorkerFixture.fast], promptCharacters: 30, maxTokens: 24)
                        }, into: staged, now: Date())
                    try await store.commitImport(staged, now: Date())
                    try await Self.stopMidCall(fixture, store: store, sql: { try PostgresTestServer.psql(store.url, $0) })
                }
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    /// Runs a worker on `store` as a service until its three calls are in flight, shuts it down
    /// gracefully with a short grace period, and checks what the cut calls left in the store.
    static func stopMidCall(_ fixture: WorkerFixture, store: any JobStore, sql: @escaping @Sendable (String) throws -> String) async throws {
        var configuration = WorkerFixture.configuration(drain: false, concurrency: 3)
        configuration.grace = 0.5
        // A heartbeat every 50 ms is often mid-write when the calls are cut: the stop must not log its
        // CancellationError either (a CI run saw 'heartbeat failed: CancellationError()').
        configuration.heartbeatInterval = 0.05
        configuration.budget = StoreFaultWorkerTests.budget(fixture)
        let log = LogLines()
        let logger = Logger(label: "test.worker") { _ in log.handler() }
        let client = try fixture.client(timeout: 600)
        let worker = QueueWorker(store: store, executor: client, configuration: configuration, logger: logger)
        let services = ServiceGroup(services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let started = Date()
            while try sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'") != "3", Date().timeIntervalSince(started) < 120 {
                try await Task.sleep(for: .milliseconds(50))
            }
            // The calls are sent once claimed; they hang, so the grace period ends with all three in flight.
            try await Task.sleep(for: .milliseconds(300))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        try await client.shutdown()
        let lines = log.all
        #expect(try sql("SELECT status, COUNT(*) FROM jobs GROUP BY status") == "queued|3", "\(lines)")
        #expect(try sql("SELECT outcome, COUNT(*) FROM attempts GROUP BY outcome") == "abandoned|3", "\(lines)")
        // Given back on the batch's cap and the day's usage, and settled: nothing left reserved.
        #expect(try sql("SELECT spent_tokens FROM batches") == "0")
        #expect(try sql("SELECT SUM(tokens) FROM usage_days") == "0")
        #expect(try sql("SELECT SUM(reserved_tokens) FROM jobs") == "0")
        #expect(!lines.contains { $0.contains("CancellationError") || $0.contains("could not record") }, "\(lines)")
    }
}
