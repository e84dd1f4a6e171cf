import Foundation
import JobFormats
import QueueStore
import Scheduler
import Testing

/// Cache-aware ordering meets admission: the job that goes first for a cold prefix is one admission
/// sends now, so a job refused for a cap, a paused batch or its context window never holds its group.
struct PioneerAdmissionTests {
    let sharing = SharingTests()

    func grouped(_ line: Int) -> NewJob {
        SharingTests.job(line, SharingTests.ask("ticket \(line)", temperature: nil, system: SharingTests.instructions))
    }

    func add(_ fixture: QueueFixture, batch: String, tokenCap: Int? = nil, _ jobs: [NewJob]) async throws {
        var spec = BatchSpec(name: batch, source: "test", models: ["m1"])
        spec.tokenCap = tokenCap
        try await fixture.add(spec, jobs)
    }

    func running(_ fixture: QueueFixture) throws -> String {
        try fixture.sql("SELECT batch || '/' || custom_id FROM job_results WHERE status = 'running' ORDER BY batch, line")
    }

    @Test(arguments: StoreKind.allCases) func aCappedBatchsJobNeverHoldsThePrefixGroupOfOtherBatches(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, batch: "capped", tokenCap: 1, (1...3).map(grouped))
            try await add(fixture, batch: "free", (1...5).map(grouped))
            let first = try await sharing.claim(fixture)
            #expect(first.count == 1, "one job warms the prefix")
            #expect(try running(fixture) == "free/c1", "the pioneer is the first job admission can send, not the capped batch's head")
            #expect(try fixture.sql("SELECT name FROM batches WHERE paused IS NOT NULL") == "capped")
            #expect(try await sharing.claim(fixture).isEmpty, "the group waits while its pioneer runs, the paused batch's jobs included")
            try await sharing.succeed(fixture, first[0])
            #expect(try await sharing.claim(fixture).count == 4, "warm: the rest of the free batch goes")
            #expect(try fixture.sql("SELECT COUNT(*) FROM job_results WHERE batch = 'capped' AND status = 'queued'") == "3")
        }
    }

    @Test(arguments: StoreKind.allCases) func aJobTooLargeForItsModelNeverHoldsItsPrefixGroup(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            var huge = SharingTests.job(1, SharingTests.ask("ticket 1", temperature: nil, system: SharingTests.instructions), models: ["m1", "m2"])
            huge.promptCharacters = 1_000_000
            try await add(fixture, batch: "b", [huge] + (2...4).map(grouped))
            var context = sharing.context()
            context.catalog.entries["m1"]?.contextWindow = 8_192
            let first = try await sharing.claim(fixture, context: context)
            #expect(first.map(\.customID) == ["c2"], "the job the context window refuses moves on; the next of its group warms the prefix")
            #expect(try fixture.sql("SELECT model_index, error_code FROM jobs WHERE custom_id = 'c1'") == "1|context_length_exceeded")
        }
    }
}
