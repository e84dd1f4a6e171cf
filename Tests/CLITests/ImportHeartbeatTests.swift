import Foundation
import JobFormats
import PostgresStore
import QueueStore
import Synchronization
import TestSupport
import Testing

@testable import groqbatch

/// An import beats while its input stalls (a producer pausing for longer than a staging batch may go
/// silent), and fails at once, with nothing imported, when its staging batch is deleted anyway.
struct ImportHeartbeatTests {
    /// A source whose first read gives a file's lines and whose second blocks until released, as a
    /// producer that pauses.
    final class StalledSource: ImportSource {
        let reader: LineReader
        let gate: Gate
        var reads = 0
        init(path: String, gate: Gate) throws {
            reader = try LineReader(path: path)
            self.gate = gate
        }
        var name: String { "-" }
        func nextJobLines(maxLines: Int, maxBytes: Int) throws -> SourceChunk? {
            reads += 1
            if reads == 1 { return try reader.nextJobLines(maxLines: maxLines, maxBytes: maxBytes) }
            gate.stall()
            return nil
        }
    }

    /// Where the source waits, and whether it was let through.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let opened = Mutex(false)
        func stall() { semaphore.wait() }
        func open() {
            guard
                !opened.withLock({
                    let was = $0
                    $0 = true
                    return was
                })
            else { return }
            semaphore.signal()
        }
        var isOpen: Bool { opened.withLock { $0 } }
    }

    static var stores: [String] { PostgresTestServer.enabled ? ["sqlite", "postgres"] : ["sqlite"] }

    @Test(arguments: stores) func anImportBeatsWhileItsInputStallsAndFailsWhenItsStagingBatchIsDeleted(kind: String) async throws {
        let directory = TemporaryDirectory("import-heartbeat")
        if kind == "postgres" {
            try await PostgresTestServer.withStore { store in
                try await check(store, directory: directory) { try PostgresTestServer.psql(store.url, $0).trimmingCharacters(in: .whitespacesAndNewlines) }
            }
        } else {
            let path = directory.path("q.sqlite")
            try await check(try SQLiteJobStore(path: path), directory: directory) {
                try SQLiteShell.run([path, $0]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }

    func check(_ store: any QueueDatabase, directory: TemporaryDirectory, sql: @escaping @Sendable (String) throws -> String) async throws {
        let file = directory.write("jobs.jsonl", #"{"custom_id": "a", "prompt": "hi"}"# + "\n")
        let gate = Gate()
        // Whatever happens, the stalled read ends within the bound, so the test cannot hang.
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(120))
            gate.open()
        }
        defer {
            gate.open()
            watchdog.cancel()
        }
        let running = Task {
            try await ChunkedImport(
                source: try StalledSource(path: file, gate: gate),
                builder: ImportJobBuilder(parser: ImportLineParser(file: file), model: "m1", fallbackModels: []),
                store: store, spec: BatchSpec(name: "slow", source: "-", models: ["m1"]), skipInvalid: false, onIssue: { _, _ in }, onProgress: { _, _ in },
                heartbeatInterval: .milliseconds(50)
            ).run().summary.inserted
        }
        func heartbeat() throws -> Double? { Double(try sql("SELECT import_heartbeat FROM batches WHERE name = 'slow'")) }
        // The first chunk is staged; then the input stalls, and the heartbeat must go on.
        var first: Double?
        while first == nil && !gate.isOpen {
            if try sql("SELECT COUNT(*) FROM jobs") == "1" { first = try heartbeat() }
            try await Task.sleep(for: .milliseconds(20))
        }
        let staged = try #require(first, "the first chunk was never staged")
        var beaten = false
        while !beaten && !gate.isOpen {
            beaten = try heartbeat() ?? 0 > staged
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(beaten, "no heartbeat while the input stalled")
        // Deleted anyway (taken for abandoned): the import fails without waiting for more input.
        #expect(try await store.discardAbandonedImports(now: Date().addingTimeInterval(100_000)) == 1)
        let outcome = await running.result
        #expect(!gate.isOpen, "the import waited for input to notice its staging batch was gone")
        #expect(throws: ImportLost.self) { try outcome.get() }
        #expect(try sql("SELECT COUNT(*) FROM jobs") == "0")
    }
}
