import Foundation
import QueueStore
import Scheduler
import Testing
import TestSupport

/// Stores read the clock once their transaction holds the write lock: a claim or a renewal that waited
/// for another process's lock stamps its spends and leases from when it got it, not from before.
struct ClockInTransactionTests {
    let provider = "https://api.example.test/openai/v1"

    /// Holds the file's write lock from another process for `seconds`; returns once it is held.
    func holdLock(_ fixture: StoreFixture, seconds: Int) async throws -> BackgroundShell {
        let shell = try BackgroundShell("/usr/bin/sqlite3", [fixture.path], input: "BEGIN IMMEDIATE;\nSELECT 'held';\n.shell sleep \(seconds)\nCOMMIT;\n")
        let deadline = Date().addingTimeInterval(20)
        while !shell.output.contains("held") {
            guard Date() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return shell
    }

    @Test func aClaimThatWaitedForTheLockStampsItsSpendsAndLeasesFromWhenItGotIt() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1, models: ["m1"])
        try fixture.store.setLimits(provider: provider, model: "m1", limits: [.tpm: 100_000])
        let context = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 100)], source: .catalog))
        let shell = try await holdLock(fixture, seconds: 2)
        let asked = Date()
        let claimed = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: nil, budget: context)
        shell.waitUntilExit()
        #expect(claimed.jobs.count == 1)
        let spentAt = try #require(Double(try fixture.sqlite3("SELECT MIN(at) FROM budget_spends")))
        #expect(spentAt >= asked.timeIntervalSince1970 + 1.5, "the spend counts from the commit, \(spentAt - asked.timeIntervalSince1970) s after asking")
        let expires = try #require(claimed.jobs.first?.leaseExpiresAt)
        #expect(expires.timeIntervalSince(asked) >= 61.5, "the lease runs its full minute from the commit")
    }

    @Test func aRenewalThatWaitedForTheLockGivesAFullLease() async throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(1)
        _ = try await fixture.store.claim(workerID: "w", limit: 1, leaseDuration: 60, batch: nil, now: nil)
        let shell = try await holdLock(fixture, seconds: 2)
        let asked = Date()
        #expect(try await fixture.store.renewLeases(workerID: "w", leaseDuration: 60, now: nil) == 1)
        shell.waitUntilExit()
        let expires = try #require(Double(try fixture.sqlite3("SELECT lease_expires_at FROM jobs")))
        #expect(expires - asked.timeIntervalSince1970 >= 61.5)
    }
}

/// A command left running in the background with its standard input given at start.
final class BackgroundShell: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let lock = NSLock()
    private var collected = Data()

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
            self.lock.withLock { self.collected.append(data) }
        }
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    }

    var output: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    func waitUntilExit() {
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
    }
}
