import Foundation
import JobFormats
import QueueStore
import Scheduler
import Testing

/// Answer reuse and cache-aware ordering, as the claim and the recording of outcomes do them.
struct SharingTests {
    let provider = "https://api.example.test/openai/v1"
    static let instructions = String(repeating: "Classify the ticket below by urgency and product. ", count: 8)

    func context(cacheAware: Bool = true, caching: Bool = true) -> BudgetContext {
        var m1 = ModelCatalog.Entry(id: "m1", maxOutput: 1000)
        m1.promptCaching = caching
        var context = BudgetContext(provider: provider, catalog: ModelCatalog(entries: [m1], source: .catalog))
        context.cacheAware = cacheAware
        return context
    }

    /// A job as import builds it: canonical body, fingerprints from `RequestFingerprint`.
    static func job(_ line: Int, _ body: [String: JSONValue], models: [String] = ["m1"]) -> NewJob {
        let requestJSON = JSONValue.object(body).jsonString()
        var job = NewJob(line: line, customID: "c\(line)", requestJSON: requestJSON, models: models, promptCharacters: 40, maxTokens: 32)
        job.reuseKey = RequestFingerprint.reuseKey(requestJSON: requestJSON, models: models, body: body)
        if let prefix = RequestFingerprint.prefix(body: body) { (job.prefixKey, job.prefixCharacters) = (prefix.key, prefix.characters) }
        return job
    }

    static func ask(_ text: String, temperature: Double? = 0, system: String? = nil) -> [String: JSONValue] {
        var messages: [JSONValue] = []
        if let system { messages.append(.object(["role": .string("system"), "content": .string(system)])) }
        messages.append(.object(["role": .string("user"), "content": .string(text)]))
        var body: [String: JSONValue] = ["messages": .array(messages), "max_tokens": .number(32)]
        if let temperature { body["temperature"] = .number(temperature) }
        return body
    }

    func add(
        _ fixture: QueueFixture, batch: String = "b", reuse: ReuseScope = .batch, maxAge: Double? = nil, at now: Date = Date(), _ jobs: [NewJob]
    ) async throws {
        var spec = BatchSpec(name: batch, source: "test", models: ["m1"])
        spec.reuse = reuse
        spec.reuseMaxAge = maxAge
        try await fixture.add(spec, at: now, jobs)
    }

    func claim(_ fixture: QueueFixture, _ limit: Int = 50, context: BudgetContext? = nil, at now: Date = Date()) async throws -> [ClaimedJob] {
        try await fixture.store.claim(workerID: "w", limit: limit, leaseDuration: 60, batch: nil, now: now, budget: context ?? self.context()).jobs
    }

    func succeed(_ fixture: QueueFixture, _ job: ClaimedJob, content: String = "answer", at now: Date = Date()) async throws {
        var observation = ProviderObservation(provider: provider, model: "m1", promptTokens: 10, totalTokens: 15)
        observation.actualCost = 0.5
        let result = StoreFixture.result(content: content)
        _ = try await fixture.store.record(
            [
                JobOutcome(
                    jobID: job.id, attempt: StoreFixture.attempt(at: now), transition: .succeed(result), observation: observation, claimToken: job.claimToken)
            ],
            workerID: "w", now: now)
    }

    @Test(arguments: StoreKind.allCases) func identicalDeterministicRequestsAreSentOnceAndTheOthersGetTheAnswer(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(
                fixture, [Self.job(1, Self.ask("same")), Self.job(2, Self.ask("other")), Self.job(3, Self.ask("same")), Self.job(4, Self.ask("same"))])
            let first = try await claim(fixture)
            #expect(first.map(\.customID) == ["c1", "c2"], "the copies of c1 wait for its answer")
            #expect(try await claim(fixture).isEmpty, "still waiting while c1 runs")
            try await succeed(fixture, first[0], content: "the answer")
            #expect(
                try fixture.sql("SELECT custom_id, status, content, reused_from FROM job_results WHERE custom_id IN ('c3','c4') ORDER BY line")
                    == "c3|succeeded|the answer|1\nc4|succeeded|the answer|1")
            #expect(
                try fixture.sql("SELECT COUNT(*), CAST(SUM(cost) * 100 AS INTEGER) FROM results WHERE reused_from IS NOT NULL") == "2|0",
                "reused answers cost nothing")
            #expect(try fixture.sql("SELECT prompt_tokens FROM batch_progress") == "10", "billed tokens count once")
            #expect(try fixture.sql("SELECT COUNT(*) FROM attempts") == "1")
            let saved = try await fixture.store.reuseSavings(batch: nil, since: nil)
            #expect(saved == ReuseSavings(answers: 2, tokens: 30, cost: 1.0))
        }
    }

    @Test(arguments: StoreKind.allCases) func requestsThatMayAnswerDifferentlyAreAllSent(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, [Self.job(1, Self.ask("same", temperature: nil)), Self.job(2, Self.ask("same", temperature: nil))])
            #expect(try await claim(fixture).count == 2, "no temperature 0 and no seed: not deterministic")
        }
        try await QueueFixture.with(kind) { off in
            try await add(off, reuse: .off, [Self.job(1, Self.ask("same")), Self.job(2, Self.ask("same"))])
            #expect(try await claim(off).count == 2, "--no-reuse sends every job")
            var seeded = Self.ask("same", temperature: 0.7)
            seeded["seed"] = .number(7)
            #expect(RequestFingerprint.reuseKey(requestJSON: JSONValue.object(seeded).jsonString(), models: ["m1"], body: seeded) != nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func reuseAcrossBatchesTakesAnswersYoungerThanTheMaximumAge(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let then = Date().addingTimeInterval(-3_600)
            try await add(fixture, batch: "monday", at: then, [Self.job(1, Self.ask("q1")), Self.job(2, Self.ask("q2"))])
            let monday = try await claim(fixture, at: then)
            #expect(monday.count == 2)
            for job in monday { try await succeed(fixture, job, content: "answer \(job.customID)", at: then) }
            try await add(fixture, batch: "same-batch-only", [Self.job(1, Self.ask("q1"))])
            try await add(fixture, batch: "tuesday", reuse: .all, maxAge: 7_200, [Self.job(1, Self.ask("q1")), Self.job(3, Self.ask("q3"))])
            try await add(fixture, batch: "too-old", reuse: .all, maxAge: 600, [Self.job(1, Self.ask("q2"))])
            let sent = try await claim(fixture)
            #expect(sent.count == 3, "only the answer younger than its batch's maximum age is reused")
            #expect(
                try fixture.sql("SELECT batch || '/' || custom_id FROM job_results WHERE status = 'running' ORDER BY batch")
                    == "same-batch-only/c1\ntoo-old/c1\ntuesday/c3")
            #expect(
                try fixture.sql("SELECT batch, status, content, reused_from FROM job_results WHERE reused_from IS NOT NULL")
                    == "tuesday|succeeded|answer c1|1")
        }
    }

    @Test(arguments: StoreKind.allCases) func aFinalFailureFailsTheIdenticalJobsWaitingForIt(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, [Self.job(1, Self.ask("bad")), Self.job(2, Self.ask("bad"))])
            let leader = try #require(try await claim(fixture).first)
            _ = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: leader.id, attempt: StoreFixture.attempt(outcome: .permanent), transition: .fail(code: "invalid_request_error", message: "no"),
                        claimToken: leader.claimToken)
                ], workerID: "w", now: nil)
            #expect(
                try fixture.sql("SELECT status, error_code, error_message FROM jobs WHERE custom_id = 'c2'")
                    == "failed|invalid_request_error|the identical request of job 1 failed: no")
        }
    }

    @Test(arguments: StoreKind.allCases) func aColdPrefixSendsOneJobFirstAndItsGroupOnceItAnswered(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            let jobs = (1...5).map { Self.job($0, Self.ask("ticket \($0)", temperature: nil, system: Self.instructions)) }
            let lone = Self.job(6, Self.ask("no shared prefix", temperature: nil))
            try await add(fixture, jobs + [lone])
            let first = try await claim(fixture)
            #expect(first.map(\.customID) == ["c1", "c6"], "one job warms the prefix; others without it go")
            #expect(try await claim(fixture).isEmpty, "the group waits while its first job runs")
            try await succeed(fixture, first[0])
            #expect(try await claim(fixture).map(\.customID) == ["c2", "c3", "c4", "c5"], "warm: the whole group goes")
        }
    }

    @Test(arguments: StoreKind.allCases) func withoutCacheAwarenessOrCachingTheGroupGoesAtOnce(kind: StoreKind) async throws {
        for context in [context(cacheAware: false), context(caching: false)] {
            try await QueueFixture.with(kind) { fixture in
                try await add(fixture, (1...4).map { Self.job($0, Self.ask("ticket \($0)", temperature: nil, system: Self.instructions)) })
                #expect(try await claim(fixture, context: context).count == 4)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func aPioneerThatDoesNotAnswerLetsItsGroupChooseAnother(kind: StoreKind) async throws {
        try await QueueFixture.with(kind) { fixture in
            try await add(fixture, (1...3).map { Self.job($0, Self.ask("ticket \($0)", temperature: nil, system: Self.instructions)) })
            let pioneer = try #require(try await claim(fixture).first)
            _ = try await fixture.store.record(
                [
                    JobOutcome(
                        jobID: pioneer.id, attempt: StoreFixture.attempt(outcome: .retry),
                        transition: .retry(at: Date().addingTimeInterval(60), code: "server_error", message: "503", counted: true),
                        claimToken: pioneer.claimToken)
                ], workerID: "w", now: nil)
            #expect(try await claim(fixture).map(\.customID) == ["c2"], "the next job of the group goes first instead")
        }
    }
}
