import Foundation
import JobFormats
import PostgresStore
import QueueStore
import Scheduler
import TestSupport
import Testing

/// The stores the conformance suite runs against. A second store is tested by adding its case here.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL where `make test` started a server (and always under CI).
    static var allCases: [StoreKind] { PostgresTestServer.enabled ? [.sqlite, .postgres] : [.sqlite] }

    /// Runs `body` with a new, empty store of this kind: a file in `directory`, or a database of its own.
    func withStore(in directory: TemporaryDirectory, _ body: @Sendable (any QueueDatabase) async throws -> Void) async throws {
        switch self {
        case .sqlite: try await body(SQLiteJobStore(path: directory.path("queue.sqlite")))
        case .postgres: try await PostgresTestServer.withStore { store in try await body(store) }
        }
    }
}

/// What any queue database must do, checked through the interfaces the worker, the CLI and the
/// benchmarks use (`QueueDatabase`), never through SQL: imports all or nothing, claims that never
/// overlap, leases, outcomes under their claim, budgets, administration, remote batches and their leases.
@Suite struct StoreConformanceTests {
    let provider = "https://api.example.test/openai/v1"
    /// Each test has its own instance, so its own folder, removed when the test ends.
    let directory = TemporaryDirectory("conformance")

    static func job(_ index: Int, priority: Int? = nil, models: [String] = ["m1"]) -> NewJob {
        NewJob(
            line: index, customID: "j\(index)", requestJSON: #"{"messages":[{"content":"prompt \#(index)","role":"user"}]}"#,
            models: models, promptCharacters: 8, maxTokens: 32, priority: priority)
    }

    func fill(_ store: any QueueDatabase, _ count: Int, batch: String = "b", via: Executor = .onDemand, priority: (Int) -> Int? = { _ in nil }) async throws {
        var spec = BatchSpec(name: batch, source: "test", models: ["m1"])
        spec.via = via
        let staged = try await store.beginImport(spec, now: Date())
        _ = try await store.stage((1...count).map { Self.job($0, priority: priority($0)) }, into: staged, now: Date())
        try await store.commitImport(staged, now: Date())
    }

    func succeed(_ job: ClaimedJob, in store: any QueueDatabase, worker: String = "w") async throws -> [OutcomeDisposition] {
        let result = JobResult(
            model: "m1", content: "answer \(job.customID)", finishReason: "stop", promptTokens: 10, completionTokens: 5, totalTokens: 15,
            queueTime: 0.01, totalTime: 0.2, responseID: "chatcmpl-\(job.id)", requestID: "req_\(job.id)",
            rawResponse: #"{"id":"chatcmpl-x","choices":[]}"#)
        let attempt = AttemptRecord(model: "m1", startedAt: Date(), finishedAt: Date(), httpStatus: 200, outcome: .success)
        return try await store.record(
            [JobOutcome(jobID: job.id, attempt: attempt, transition: .succeed(result), claimToken: job.claimToken)], workerID: worker, now: nil)
    }

    @Test(arguments: StoreKind.allCases)
    func anImportIsSeenWholeOrNotAtAll(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            let before = try await store.changeCounter()
            let staged = try await store.beginImport(BatchSpec(name: "b", source: "t", models: ["m1"]), now: Date())
            #expect(
                try await store.stage([Self.job(1), Self.job(2), Self.job(1)], into: staged, now: Date()) == [.inserted, .inserted, .duplicate(ofLine: 1)])
            #expect(try await store.claim(workerID: "w", limit: 10, leaseDuration: 60, batch: nil, now: nil).isEmpty)
            #expect(try await store.batchStatuses(batch: nil).isEmpty)
            try await store.discardImport(staged)
            #expect(try await store.unfinishedCount(batch: nil) == 0)

            try await fill(store, 3)
            #expect(try await store.changeCounter() != before, "idle workers learn of new work")
            #expect(try await store.unfinishedCount(batch: "b") == 3)
            let again = try await store.beginImport(BatchSpec(name: "b", source: "t", models: ["m1"]), now: Date())
            #expect(try await store.stage([Self.job(3), Self.job(4)], into: again, now: Date()) == [.alreadyPresent, .inserted])
            try await store.commitImport(again, now: Date())
            #expect(try await store.countsByStatus(batch: "b") == [.queued: 4])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func claimsComeInPriorityOrderAndNeverOverlap(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            try await fill(store, 20) { $0 % 5 == 0 ? 9 : nil }
            let first = try await store.claim(workerID: "a", limit: 6, leaseDuration: 60, batch: nil, now: nil)
            #expect(first.map(\.customID) == ["j5", "j10", "j15", "j20", "j1", "j2"])
            let racing = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in ["b", "c", "d"] {
                    group.addTask { try await store.claim(workerID: worker, limit: 5, leaseDuration: 60, batch: nil, now: nil).map(\.id) }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            let all = first.map(\.id) + racing
            #expect(all.count == 20 && Set(all).count == 20, "every job claimed once")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func leasesAreRenewedOrComeBackAndOutcomesHoldOnlyUnderTheirClaim(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            try await fill(store, 2)
            let start = Date()
            let held = try await store.claim(workerID: "a", limit: 2, leaseDuration: 30, batch: nil, now: start)
            #expect(try await store.renewLeases(workerID: "a", leaseDuration: 30, now: start.addingTimeInterval(20)) == 2)
            #expect(try await store.recoverExpiredLeases(now: start.addingTimeInterval(40), sparing: nil) == 0, "renewed")
            #expect(try await store.recoverExpiredLeases(now: start.addingTimeInterval(60), sparing: nil) == 2)
            let retaken = try await store.claim(workerID: "b", limit: 2, leaseDuration: 30, batch: nil, now: nil)
            #expect(retaken.count == 2)
            // The first claim's late answer is kept (it was paid for); the new claim's answer is then a duplicate.
            let same = try #require(retaken.first { $0.id == held[0].id })
            #expect(try await succeed(held[0], in: store, worker: "a") == [.applied])
            #expect(try await succeed(same, in: store, worker: "b") == [.duplicateResult])
            #expect(try await store.countsByStatus(batch: nil) == [.succeeded: 1, .running: 1])
            #expect(try store.releaseAll(workerID: "b", now: Date()) == 1)
            var rows: [ExportRow] = []
            try await store.exportRows(batch: "b") { rows.append($0) }
            #expect(rows.map(\.status) == ["succeeded", "queued"] || rows.map(\.status) == ["queued", "succeeded"])
            #expect(rows.first { $0.status == "succeeded" }?.content == "answer \(held[0].customID)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aBudgetSharedByClaimsIsNeverOverspent(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            try await fill(store, 30)
            try await store.setLimits(provider: provider, model: "m1", limits: [.rpm: 7], now: Date())
            let context = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [.init(id: "m1", maxOutput: 1000)], source: .catalog))
            let now = Date()
            var claimed = 0
            for worker in ["a", "b", "c"] {
                claimed += try await store.claim(workerID: worker, limit: 5, leaseDuration: 60, batch: nil, now: now, budget: context).jobs.count
            }
            #expect(claimed == 7)
            #expect(try await store.meterStatuses(now: now).first { $0.model == "m1" && $0.kind == .rpm }?.used == 7)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func cancelRetryAndExpiryChangeWhatTheyNameOnly(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            try await fill(store, 3, batch: "keep")
            try await fill(store, 4, batch: "drop")
            #expect(try await store.cancel(batch: "drop", now: Date()) == 4)
            await #expect(throws: NotFoundError.self) { try await store.cancel(batch: "nothing", now: Date()) }
            #expect(try await store.countsByStatus(batch: "keep") == [.queued: 3])
            #expect(try await store.requeue([.cancelled], batch: "drop", newDeadline: nil, now: Date()) == 4)
            #expect(try await store.unfinishedCount(batch: nil) == 7)
            let id = try await store.findJob("j2", batch: "keep")
            #expect(try await store.cancel(jobID: id, now: Date()))
            #expect(try await store.cancel(jobID: id, now: Date()) == false, "already finished")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRemoteBatchIsDrivenByOneWorkerFromPackingToItsAnswers(kind: StoreKind) async throws {
        try await kind.withStore(in: directory) { store in
            try await fill(store, 3, via: .batchAPI)
            #expect(try await store.hasRemoteWork(provider: provider))
            let now = Date()
            #expect(
                try await store.prepareRemoteBatches(
                    provider: provider, workerID: "a", maxLines: 10, maxBytes: 1 << 20, leaseDuration: 60, now: now, budget: nil)
                    == 1)
            let remote = try #require(try await store.leaseRemoteBatches(provider: provider, workerID: "a", leaseDuration: 60, now: now).first)
            #expect(try await store.leaseRemoteBatches(provider: provider, workerID: "b", leaseDuration: 60, now: now).isEmpty)
            #expect(try await store.remoteHeldCount(remote) == 3)
            let input = try await store.remoteInputPage(remote, after: 0, limit: 2)
            #expect(input.count == 2 && input[0].id < input[1].id)
            try await store.markRemoteTrying(remote, now: now)
            try await store.markRemoteUploaded(remote, fileID: "file_1", now: now)
            try await store.markRemoteSubmitted(remote, remoteBatchID: "batch_1", status: "validating", now: now)
            try await store.markRemoteCollecting(remote, status: "expired", outputFileID: "file_2", errorFileID: nil, now: now)
            var stranger = remote
            stranger.workerID = "b"
            await #expect(throws: RemoteLeaseLost.self) { try await store.markRemoteError(stranger, message: "x", retryAt: now, now: now) }
            let answers = input.map { job in
                RemoteAnswer(
                    jobID: job.id,
                    success: (
                        AttemptRecord(model: "m1", startedAt: now, finishedAt: now, httpStatus: 200, outcome: .success),
                        JobResult(
                            model: "m1", content: "ok", finishReason: "stop", promptTokens: 3, completionTokens: 2, totalTokens: 5,
                            responseID: "r", requestID: "q", rawResponse: "{}")
                    ), error: nil)
            }
            #expect(try await store.recordRemoteAnswers(remote, answers, workerID: "a", now: now).answered == 2)
            #expect(try await store.finishRemote(remote, reason: "expired", workerID: "a", now: now) == 1, "one left, for the next remote batch")
            #expect(try await store.countsByStatus(batch: "b") == [.succeeded: 2, .queued: 1])
            #expect(try await store.remoteBatches().map(\.state) == [.done])
        }
    }
}
