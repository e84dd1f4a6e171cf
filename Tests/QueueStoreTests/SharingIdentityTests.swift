import Foundation
import JobFormats
import QueueStore
import Scheduler
import Testing

/// What makes two jobs the same request (everything that changes what is sent), and what a warm prefix
/// is keyed by (the model called, as claims look it up).
struct SharingIdentityTests {
    let sharing = SharingTests()

    func add(_ fixture: QueueFixture, batch: String = "b", reuse: ReuseScope = .batch, at now: Date = Date(), _ jobs: [NewJob]) async throws {
        try await sharing.add(fixture, batch: batch, reuse: reuse, at: now, jobs)
    }

    func job(_ line: Int, _ text: String = "same", truncate: Bool? = nil, tier: String? = nil) -> NewJob {
        var job = SharingTests.job(line, SharingTests.ask(text))
        job.truncate = truncate
        job.serviceTier = tier
        return job
    }

    /// A success whose answer names another model than the one called (as OpenAI's dated names do).
    func succeed(_ fixture: QueueFixture, _ job: ClaimedJob, answeredAs answerModel: String, at now: Date = Date()) async throws {
        let observation = ProviderObservation(provider: sharing.provider, model: "m1", promptTokens: 10, totalTokens: 15)
        _ = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: job.id, attempt: StoreFixture.attempt("m1", at: now), transition: .succeed(StoreFixture.result(answerModel)),
                    observation: observation, claimToken: job.claimToken)
            ],
            workerID: "w", now: now)
    }

    @Test(arguments: StoreKind.allCases) func aPrefixAnsweredUnderAnotherModelNameIsWarmForTheModelCalled(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, (1...5).map { SharingTests.job($0, SharingTests.ask("ticket \($0)", temperature: nil, system: SharingTests.instructions)) })
            let first = try await sharing.claim(fixture)
            #expect(first.map(\.customID) == ["c1"])
            try await succeed(fixture, first[0], answeredAs: "m1-0905")
            #expect(try fixture.sql("SELECT model FROM prompt_prefixes WHERE warm_at IS NOT NULL") == "m1")
            #expect(try await sharing.claim(fixture).map(\.customID) == ["c2", "c3", "c4", "c5"], "warm on m1: the group goes at once")
        }
    }

    @Test(arguments: StoreKind.allCases) func aJobAllowedToBeTruncatedIsAnotherRequestThanOneThatIsNot(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, [job(1, truncate: true), job(2), job(3, truncate: true)])
            let first = try await sharing.claim(fixture)
            #expect(first.map(\.customID) == ["c1", "c2"], "the untruncated job does not wait for the truncated one's answer")
            try await sharing.succeed(fixture, first[0], content: "answer to a shortened prompt")
            #expect(
                try fixture.sql("SELECT custom_id, status, COALESCE(reused_from, 0) FROM job_results ORDER BY line")
                    == "c1|succeeded|0\nc2|running|0\nc3|succeeded|1", "only the truncated twin takes the truncated answer")
        }
    }

    @Test(arguments: StoreKind.allCases) func reuseAcrossBatchesComparesTruncationAndServiceTier(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let then = Date().addingTimeInterval(-60)
            try await add(fixture, batch: "monday", at: then, [job(1, "q1", truncate: true), job(2, "q2", tier: "flex")])
            for job in try await sharing.claim(fixture, at: then) { try await sharing.succeed(fixture, job, at: then) }
            try await add(
                fixture, batch: "tuesday", reuse: .all,
                [job(1, "q1"), job(2, "q1", truncate: true), job(3, "q2"), job(4, "q2", tier: "flex")])
            let sent = try await sharing.claim(fixture)
            #expect(sent.map(\.customID) == ["c1", "c3"], "a different truncation or tier is another request")
            #expect(
                try fixture.sql("SELECT custom_id FROM job_results WHERE batch = 'tuesday' AND reused_from IS NOT NULL ORDER BY line") == "c2\nc4")
        }
    }
}
