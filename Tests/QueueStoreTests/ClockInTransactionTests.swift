import Foundation
import QueueStore
import Scheduler
import TestSupport
import Testing

/// Stores read the clock once their transaction holds the write lock: a claim or a renewal that waited
/// for another process's lock stamps its spends and leases from when it got it, not from before.
struct ClockInTransactionTests {
    let provider = "https://api.example.test/openai/v1"

    /// Holds the file's write lock from another process until `release()`; its output then names the
    /// instant it let go (seconds since 1970).
    struct HeldLock {
        let shell: BackgroundShell
        let releaseFile: String

        init(_ fixture: StoreFixture) async throws {
            releaseFile = fixture.directory.path("release-\(UUID().uuidString)")
            shell = try BackgroundShell(
                "/usr/bin/sqlite3", [fixture.path],
                input: """
                    BEGIN IMMEDIATE;
                    SELECT 'held';
                    .shell while [ ! -f '\(releaseFile)' ]; do sleep 0.02; done
                    SELECT 'released', (julianday('now') - 2440587.5) * 86400.0;
                    COMMIT;

                    """)
            let deadline = Date().addingTimeInterval(60)
            while !shell.output.contains("held") {
                guard Date() < deadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Lets go of the lock and returns when it did.
        func release() throws -> Double {
            _ = FileManager.default.createFile(atPath: releaseFile, contents: nil)
            shell.waitUntilExit()
            let line = try #require(shell.output.split(separator: "\n").first { $0.hasPrefix("released|") })
            return try #require(Double(line.split(separator: "|")[1]))
        }
    }

    @Test func aClaimThatWaitedForTheLockStampsItsSpendsAndLeasesFromWhenItGotIt() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1, models: ["m1"])
        try await fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 100_000])
        let context = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
        let lock = try await HeldLock(fixture)
        let store = fixture.store
        let claim = Task { try await store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: nil, budget: context) }
        // The claim is asked now and waits; whatever the machine's load, it cannot commit before the release.
        try await Task.sleep(for: .milliseconds(500))
        let released = try lock.release()
        let claimed = try await claim.value
        #expect(claimed.jobs.count == 1)
        let spentAt = try #require(Double(try fixture.sqlite3("SELECT MIN(at) FROM budget_spends")))
        #expect(spentAt >= released - 0.05, "the spend counts from the commit: \(spentAt - released) s from the release")
        let expires = try #require(claimed.jobs.first?.leaseExpiresAt).timeIntervalSince1970
        #expect(expires >= released + 60 - 0.05, "the lease runs its full minute from the commit: \(expires - released)")
    }

    @Test func aRenewalThatWaitedForTheLockGivesAFullLease() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        _ = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: nil)
        let lock = try await HeldLock(fixture)
        let store = fixture.store
        let renewal = Task { try await store.renewLeases(workerID: "w", leaseDuration: 60, now: nil) }
        try await Task.sleep(for: .milliseconds(500))
        let released = try lock.release()
        #expect(try await renewal.value == 1)
        let expires = try #require(Double(try fixture.sqlite3("SELECT lease_expires_at FROM jobs")))
        #expect(expires >= released + 60 - 0.05, "\(expires - released)")
    }
}

/// A command left running in the background with its standard input given at start.
final class BackgroundShell: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let lock = NSLock()
    private var collected = Data()
    /// The pipe reached its end: every byte the child wrote is in `collected`.
    private var ended = false

    init(_ executable: String, _ arguments: [String], input: String) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let inPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = out
        process.standardError = out
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.withLock {
                self.collected.append(data)
                if data.isEmpty { self.ended = true }
            }
        }
        try ProcessLaunch.run(process)
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    }

    var output: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    /// Waits for the child to exit and for its last output to be read: the handler may run after the
    /// exit, and removing it first lost the final line on a loaded machine.
    func waitUntilExit() {
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(10)
        while !lock.withLock({ ended }), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        out.fileHandleForReading.readabilityHandler = nil
    }
}
