import Foundation
import QueueStore
import Testing

struct ImportTests {
    @Test func reimportingTheSameJobsAddsNothing() throws {
        let fixture = try StoreFixture()
        #expect(try fixture.addJobs(10) == ImportSummary(batchName: "b", inserted: 10, alreadyPresent: 0))
        #expect(try fixture.addJobs(10) == ImportSummary(batchName: "b", inserted: 0, alreadyPresent: 10))
        #expect(try fixture.addJobs(12) == ImportSummary(batchName: "b", inserted: 2, alreadyPresent: 10))
        #expect(try fixture.sqlite3("SELECT COUNT(*) FROM jobs") == "12")
        // The same custom ids in another batch are other jobs.
        #expect(try fixture.addJobs(3, batch: "other").inserted == 3)
    }

    @Test func aDuplicateWithinOneImportIsReportedWithTheFirstLine() throws {
        let fixture = try StoreFixture()
        var additions: [ImportSink.Addition] = []
        _ = try fixture.store.importJobs(into: BatchSpec(name: "b", source: "t")) { sink in
            additions.append(try sink.add(StoreFixture.job(1, customID: "x")))
            additions.append(try sink.add(StoreFixture.job(2, customID: "y")))
            additions.append(try sink.add(StoreFixture.job(3, customID: "x")))
        }
        #expect(additions == [.inserted, .inserted, .duplicate(ofLine: 1)])
    }

    @Test func anImportThatThrowsLeavesTheFileAsItWas() throws {
        let fixture = try StoreFixture()
        try fixture.addJobs(5)
        let before = try fixture.sqlite3(
            "SELECT COUNT(*), group_concat(custom_id), (SELECT COUNT(*) FROM batches), (SELECT counter FROM queue_changes) FROM jobs")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try fixture.store.importJobs(into: BatchSpec(name: "new", source: "t")) { sink in
                _ = try sink.add(StoreFixture.job(1, customID: "z"))
                throw Stop()
            }
        }
        #expect(
            try fixture.sqlite3("SELECT COUNT(*), group_concat(custom_id), (SELECT COUNT(*) FROM batches), (SELECT counter FROM queue_changes) FROM jobs")
                == before)
    }

    @Test func notBeforeHoldsJobsBackUntilItsTime() async throws {
        let fixture = try StoreFixture()
        let now = Date()
        let later = now.addingTimeInterval(3600)
        _ = try fixture.store.importJobs(into: BatchSpec(name: "night", source: "t", notBefore: later), now: now) { sink in
            _ = try sink.add(StoreFixture.job(1, customID: "a"))
        }
        #expect(try await fixture.store.claim(workerID: "w", limit: 5, leaseDuration: 60, batch: nil, now: now).isEmpty)
        #expect(try await fixture.store.nextWakeTime().map { abs($0.timeIntervalSince(later)) < 0.001 } == true)
        #expect(try await fixture.store.claim(workerID: "w", limit: 5, leaseDuration: 60, batch: nil, now: later).count == 1)
    }
}
