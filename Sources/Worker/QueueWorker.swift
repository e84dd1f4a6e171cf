import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle
import Synchronization

/// The worker daemon: claims jobs, runs up to `concurrency` generations at once in a task group, and
/// writes each outcome back, until it is told to stop, runs out of work (`drain`) or hits a limit.
///
/// It runs as a `ServiceLifecycle` service: a graceful shutdown stops claiming, waits up to `grace`
/// for in-flight calls, then cancels them; whatever it still holds goes back to the queue on exit.
public final class QueueWorker: Service {
    public let configuration: WorkerConfiguration
    let store: any JobStore
    /// The SQLite store again, for the Batch API loop, whose remote-batch records only SQLite keeps yet.
    let remoteBatchStore: SQLiteJobStore?
    let executor: any ChatExecutor
    let logger: Logger
    let planner: OutcomePlanner
    let recorder: OutcomeRecorder
    let control = WorkerControl()
    let counters = ProgressCounters()
    /// Whether calls reach the provider; shared by the claim loop and the calls.
    let breaker: Mutex<ProviderBreaker>
    let metrics = WorkerMetrics()
    /// Called with a snapshot every `progressInterval` seconds, and once at the end.
    let onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) -> Void)?
    let progressInterval: TimeInterval

    /// A worker on any store; `--via batch-api` batches need `remoteBatchStore` to run.
    public init(
        store: any JobStore, executor: any ChatExecutor, configuration: WorkerConfiguration, logger: Logger,
        progressInterval: TimeInterval = 2, onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) -> Void)? = nil,
        remoteBatchStore: SQLiteJobStore? = nil
    ) {
        self.store = store
        self.remoteBatchStore = remoteBatchStore
        self.executor = executor
        self.configuration = configuration
        self.logger = logger
        self.planner = OutcomePlanner(backoff: configuration.backoff)
        self.recorder = OutcomeRecorder(store: store, workerID: configuration.workerID, logger: logger)
        self.breaker = Mutex(ProviderBreaker(giveUpAfter: configuration.giveUpAfter))
        self.onProgress = onProgress
        self.progressInterval = progressInterval
    }

    /// A worker on the SQLite queue, Batch API loop included.
    public convenience init(
        store: SQLiteJobStore, executor: any ChatExecutor, configuration: WorkerConfiguration, logger: Logger,
        progressInterval: TimeInterval = 2, onProgress: (@Sendable (WorkerProgress, [JobStatus: Int]) -> Void)? = nil
    ) {
        self.init(
            store: store as any JobStore, executor: executor, configuration: configuration, logger: logger,
            progressInterval: progressInterval, onProgress: onProgress, remoteBatchStore: store)
    }

    /// Why the worker stopped; nil while it runs.
    public var stopReason: StopReason? { control.reason }

    /// What it has done.
    public var progress: WorkerProgress { counters.snapshot }

    public func run() async throws {
        let id = configuration.workerID
        try await store.registerWorker(id: id, host: ProcessInfo.processInfo.hostName, pid: getpid(), now: Date())
        let recovered = try await store.recoverExpiredLeases(now: nil, sparing: nil)
        if recovered > 0 { logger.notice("returned \(recovered.counted("job")) with expired leases to the queue") }
        logger.info("worker started", metadata: ["worker": "\(id)", "concurrency": "\(configuration.concurrency)"])
        defer {
            // Synchronous, so it runs even when this task is cancelled: nothing stays leased to a gone worker.
            do {
                let released = try store.releaseAll(workerID: id, now: Date())
                if released > 0 { logger.notice("returned \(released) unfinished jobs to the queue") }
            } catch {
                logger.error("could not return unfinished jobs to the queue (their leases expire in \(Int(configuration.leaseDuration)) s): \(error)")
            }
        }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { services in
                services.addTask { await self.heartbeat() }
                if onProgress != nil { services.addTask { await self.reportProgress() } }
                if let remote = configuration.remote, let client = executor as? GroqClient, let remoteBatchStore {
                    let runner = RemoteBatchRunner(store: remoteBatchStore, client: client, settings: remote, workerID: id, logger: logger, counters: counters)
                    services.addTask { await runner.loop() }
                }
                defer { services.cancelAll() }
                try await self.claimLoop()
            }
        } onGracefulShutdown: {
            self.control.stop(.shutdown)
        }
        await reportCounts()
    }

    // MARK: - Claim loop

    enum Event: Sendable {
        case finished
        case tick
    }

    func claimLoop() async throws {
        try await withThrowingTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var timerPending = false
            var claimed = 0
            var idleSince: (counter: Int64, wake: Date?)?
            var graceDeadline: Date?
            var capped = Set<Int64>()
            var dayCapNoticed = false
            var closedUntil: Date?
            var weather = DatabaseWeather()
            while true {
                closedUntil = windowClosedUntil(previously: closedUntil, inFlight: inFlight)
                if let reason = stopReasonNow(claimed: claimed) {
                    if inFlight == 0 { break }
                    if reason == .shutdown, graceDeadline == nil {
                        graceDeadline = Date().addingTimeInterval(configuration.grace)
                        logger.notice("stopping: waiting up to \(Int(configuration.grace)) s for \(inFlight.counted("call")) in flight")
                    }
                    if let deadline = graceDeadline, Date() >= deadline {
                        logger.notice("grace period over: cancelling \(inFlight.counted("call")); their jobs return to the queue")
                        group.cancelAll()
                        graceDeadline = .distantFuture
                    }
                } else if closedUntil != nil {
                    // Outside the run window: calls in flight finish, nothing new starts.
                } else if !weather.mayTry(at: Date()) {
                    // The database is busy or unavailable: wait it out (pauseLength), then try again.
                } else if case .none = breaker.withLock({ $0.peek(at: Date()) }) {
                    // The provider is unreachable: nothing is claimed until the next probe is due.
                } else if configuration.concurrency - inFlight >= refillBatch || inFlight == 0,
                          try await weathered(&weather, { try await self.shouldClaim(idleSince) }) == true,
                          // Read before the claim: a change made while the claim runs (an import, the
                          // Batch API loop deciding --via auto jobs) then differs from it and wakes an
                          // idle worker. Read after, such a change would pass as seen: a lost wakeup.
                          let counterBeforeClaim = try await weathered(&weather, { try await self.store.changeCounter() }),
                          let claim = try await weathered(&weather, {
                              var limit = self.configuration.concurrency - inFlight
                              if let maxJobs = self.configuration.maxJobs { limit = min(limit, maxJobs - claimed) }
                              // While the provider is unreachable, one probe call at a time.
                              let probing = self.breaker.withLock { $0.allowance(at: Date()) } == .probe
                              if probing { limit = min(limit, 1) }
                              let claim = try await self.claim(limit: limit)
                              if probing && claim.jobs.isEmpty { self.breaker.withLock { $0.probeUnused(at: Date()) } }
                              return (limit, claim)
                          }) {
                    let (limit, claim) = claim
                    let jobs = claim.jobs
                    for job in jobs {
                        group.addTask {
                            await self.process(job)
                            return .finished
                        }
                    }
                    inFlight += jobs.count
                    claimed += jobs.count
                    counters.update { $0.inFlight = inFlight }
                    metrics.recordInFlight(inFlight)
                    // Fewer than asked: nothing more is runnable now; remember when to look again.
                    idleSince = jobs.count < limit ? (counterBeforeClaim, claim.wakeAt) : nil
                    capped = claim.pausedBatches
                    if claim.movedWithoutCall > 0 || claim.failedWithoutCall > 0 {
                        counters.update {
                            $0.fellBack += claim.movedWithoutCall
                            $0.failed += claim.failedWithoutCall
                        }
                    }
                    if claim.expired > 0 {
                        logger.notice("\(claim.expired) queued jobs expired: their batch's deadline passed (groqbatch retry --expired queues them again)")
                    }
                    if claim.dayCapReached && !dayCapNoticed {
                        logger.notice("the daily cap is reached: work pauses until the next UTC day")
                    }
                    dayCapNoticed = claim.dayCapReached
                }
                if inFlight == 0, control.reason == nil, configuration.drain, weather.mayTry(at: Date()),
                   try await weathered(&weather, { try await self.drained(capped: capped, dayCapReached: dayCapNoticed) }) == true {
                    control.stop(.drained)
                    continue
                }
                if !timerPending {
                    timerPending = true
                    // Once stopping, the timer only bounds the wait for calls in flight (up to the grace
                    // period's end): a shutdown-cancelled sleep would end at once, and the loop would spin.
                    let stopping = control.reason != nil
                    var probeAt: Date?
                    if case .none(let until) = breaker.withLock({ $0.peek(at: Date()) }) { probeAt = until }
                    let pause = min(
                        pauseLength(idleSince: idleSince, closedUntil: closedUntil),
                        weather.retryAt.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity,
                        probeAt.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity,
                        graceDeadline.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity)
                    group.addTask {
                        if stopping {
                            try? await Task.sleep(for: .seconds(pause))
                        } else {
                            // A long sleep outside the run window must still end at once on shutdown.
                            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
                        }
                        return .tick
                    }
                }
                switch try await group.next() {
                case .finished?:
                    // A finished job frees a slot and may have requeued itself: claim again.
                    idleSince = nil
                    inFlight -= 1
                    counters.update { $0.inFlight = inFlight }
                    metrics.recordInFlight(inFlight)
                case .tick?:
                    timerPending = false
                case nil:
                    timerPending = false
                }
            }
            group.cancelAll()
        }
    }

    /// Runs one database step of the claim loop. A busy or briefly unavailable database is weather: the
    /// step answers nil, the loop pauses (backing off) and tries again; the trouble is logged when it
    /// starts and when it ends. Any other error stops the worker.
    func weathered<T>(_ weather: inout DatabaseWeather, _ step: () async throws -> T) async throws -> T? {
        do {
            let value = try await step()
            if let lasted = weather.succeeded(at: Date()) {
                logger.notice("the database answers again after \(String(format: "%.1f", lasted)) s: claiming resumes")
            }
            return value
        } catch where store.isTransient(error) {
            if weather.failed(at: Date()) {
                logger.warning("the database is busy or unavailable (\(error)): claiming waits and tries again; calls in flight go on")
            }
            return nil
        }
    }

    /// Whether a draining worker is done: nothing is left but work that waits for a user's cap.
    func drained(capped: Set<Int64>, dayCapReached: Bool) async throws -> Bool {
        let left: Int
        if dayCapReached {
            left = 0
        } else if capped.isEmpty || configuration.batch != nil {
            left = try await store.unfinishedCount(batch: configuration.batch)
            if left > 0 && !capped.isEmpty { return true }
        } else {
            left = try await store.unfinishedCount(excludingBatches: capped)
        }
        if left == 0 && (dayCapReached || !capped.isEmpty) {
            logger.notice("the jobs left wait for a cap (groqbatch status says which)")
        }
        return left == 0
    }

    /// A claim through the GroqQueue when budgets are on, else a plain one; either way with the instant
    /// to look again when it got fewer jobs than asked.
    func claim(limit: Int) async throws -> ClaimResult {
        if let budget = configuration.budget {
            let result = try await store.claim(
                workerID: configuration.workerID, limit: limit, leaseDuration: configuration.leaseDuration,
                batch: configuration.batch, now: nil, budget: budget)
            if result.movedWithoutCall + result.failedWithoutCall > 0 {
                var reasons: [String] = []
                if result.unusable > 0 { reasons.append("their model is decommissioned or its context window too small") }
                if result.tooLarge > 0 { reasons.append("the request can never fit the model's limits (request_too_large)") }
                if result.failedWithoutCall > result.unusable + result.tooLarge { reasons.append("no model in the catalog fits them") }
                let message = "without a call, \(result.movedWithoutCall.counted("job")) moved to their next model and \(result.failedWithoutCall) failed: \(reasons.joined(separator: "; "))"
                if result.tooLarge > 0 { logger.warning("\(message)") } else { logger.notice("\(message)") }
            }
            return result
        }
        let jobs = try await store.claim(
            workerID: configuration.workerID, limit: limit, leaseDuration: configuration.leaseDuration,
            batch: configuration.batch, now: nil)
        return ClaimResult(jobs: jobs, wakeAt: jobs.count < limit ? try await store.nextWakeTime() : nil, tooLarge: 0)
    }

    /// Free slots that make a claim worth its write transaction: an eighth of the concurrency, so slots
    /// refill as calls finish without one transaction per finished job.
    var refillBatch: Int { max(1, configuration.concurrency / 8) }

    /// Whether to try a claim now: always while work flows; when idle, only once the queue changed or
    /// the earliest waiting job is due (both cheap reads), so an idle worker writes nothing.
    func shouldClaim(_ idle: (counter: Int64, wake: Date?)?) async throws -> Bool {
        guard let idle else { return true }
        if let wake = idle.wake, wake <= Date() { return true }
        return try await store.changeCounter() != idle.counter
    }

    /// When the run window is closed: the instant it opens (logged when it first closes, or changes).
    func windowClosedUntil(previously: Date?, inFlight: Int) -> Date? {
        guard let schedule = configuration.schedule else { return nil }
        switch schedule.state(at: Date()) {
        case .open(let until):
            if previously != nil { logger.notice("run window open until \(Self.localTime(until)): claiming") }
            return nil
        case .closed(let opensAt):
            if previously != opensAt {
                let finishing = inFlight > 0 ? "; the \(inFlight.counted("call")) in flight finish" : ""
                logger.notice("outside the run window (\(schedule))\(finishing); claiming resumes at \(Self.localTime(opensAt))")
            }
            return opensAt
        }
    }

    static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: date)
    }

    func pauseLength(idleSince: (counter: Int64, wake: Date?)?, closedUntil: Date? = nil) -> Double {
        // Outside the window nothing can start before it opens; waking once a minute keeps a wall-clock
        // change (NTP, a suspended machine) from oversleeping the opening.
        var pause = closedUntil.map { min(60, max(0.01, $0.timeIntervalSinceNow)) } ?? configuration.idlePollInterval
        if let wake = idleSince?.wake, closedUntil == nil { pause = min(pause, max(0.01, wake.timeIntervalSinceNow)) }
        if let stopAt = configuration.stopClaimingAt { pause = min(pause, max(0.01, stopAt.timeIntervalSinceNow)) }
        return pause
    }

    func stopReasonNow(claimed: Int) -> StopReason? {
        if let reason = control.reason { return reason }
        if let since = breaker.withLock({ $0.givesUp(at: Date()) ? $0.unreachableSince : nil }) {
            control.stop(.providerUnreachable(
                "the provider has been unreachable for \(DurationText.short(Date().timeIntervalSince(since))) (--give-up-after); no job was failed by the outage, all stay queued"))
            return control.reason
        }
        if let stopAt = configuration.stopClaimingAt, Date() >= stopAt {
            control.stop(.timeUp)
        } else if let maxJobs = configuration.maxJobs, claimed >= maxJobs {
            control.stop(.maxJobs)
        }
        return control.reason
    }

    // MARK: - One generation

    func process(_ job: ClaimedJob) async {
        let outcome: JobOutcome
        let fitting = job.model.map { fitted(job, model: $0) }
        if case .failure(let reason)? = fitting {
            outcome = JobOutcome(
                jobID: job.id, attempt: nil, transition: .fail(code: "context_length_exceeded", message: reason.description),
                observation: noCall(job), claimToken: job.claimToken)
        } else if let model = job.model, case .success(let fit)? = fitting {
            let events = configuration.logEvents
            let requestJSON = Self.withServiceTier(fit?.body ?? job.requestJSON, job.serviceTier)
            if let fit {
                logger.info("prompt shortened to fit \(model)'s context window", metadata: eventMetadata(job, model: model).merging([
                    "dropped_messages": "\(fit.droppedMessages)", "cut_newest": "\(fit.cutNewest)", "characters": "\(fit.characters)",
                ]) { $1 })
            }
            if events.contains(.requests) {
                logger.notice("request", metadata: eventMetadata(job, model: model).merging(["body": "\(LogEvents.truncated(requestJSON))"]) { $1 })
            }
            let started = Date()
            let result = await executor.execute(requestJSON: requestJSON, model: model)
            let finished = Date()
            if !events.isEmpty { logEvents(events, job: job, model: model, result: result, seconds: finished.timeIntervalSince(started)) }
            if Task.isCancelled {
                // Cut short by shutdown: not the job's fault, so it goes back untouched.
                let attempt = AttemptRecord(
                    model: model, startedAt: started, finishedAt: finished, httpStatus: nil, outcome: .abandoned,
                    errorCode: "shutdown", errorMessage: "the worker stopped before the answer arrived")
                outcome = JobOutcome(
                    jobID: job.id, attempt: attempt, transition: .release,
                    observation: configuration.budget.map { ProviderObservation(provider: $0.provider, model: Admission.meterKey(serviceTier: job.serviceTier, model: model)) },
                    claimToken: job.claimToken)
            } else {
                if case .failure(let failure) = result, failure.outcomeClass == .fatal {
                    control.stop(.fatal("\(failure.description) (from \(model)); no job was failed, all stay queued"))
                }
                var planned = planner.plan(job: job, model: model, result: result, startedAt: started, finishedAt: finished, random: Double.random(in: 0..<1))
                planned.observation = observation(job: job, model: model, result: result)
                if case .failure(let failure) = result, let reason = failure.unreachable {
                    // The provider is down, not the job bad: it waits without using up a try.
                    planned.transition = .retry(at: finished, code: failure.code, message: failure.message, counted: false)
                    if breaker.withLock({ $0.unreachable(at: finished) }) == .opened {
                        let hours = String(format: "%g", configuration.giveUpAfter / 3600)
                        logger.warning("the provider is unreachable: \(reason); claiming pauses and jobs keep their tries; one probe call goes out now and then (up to every \(Int(ProviderBreaker.longestPause)) s); the worker gives up after \(hours) h (--give-up-after)")
                    }
                } else if case .closed(let after)? = breaker.withLock({ $0.reached(at: finished) }) {
                    logger.notice("the provider answers again after \(DurationText.short(after)): claiming resumes")
                }
                planned.attempt?.chosenBy = job.modelPolicy
                planned.claimToken = job.claimToken
                if fit != nil, case .succeed(var answer) = planned.transition {
                    answer.truncated = true
                    planned.transition = .succeed(answer)
                }
                outcome = planned
                log(job, model: model, outcome: outcome)
            }
        } else {
            outcome = JobOutcome(
                jobID: job.id, attempt: nil, transition: .fail(code: "no_model", message: "the job's model chain is used up"),
                observation: noCall(job), claimToken: job.claimToken)
        }
        countCall(outcome)
        do {
            let disposition = try await recorder.record(outcome)
            if disposition == .applied {
                // Counted once written, so the summary says what the database says.
                count(outcome.transition)
            } else {
                logger.info("job \(job.id) (\(job.customID)): \(disposition.rawValue); outcome not applied")
            }
        } catch {
            // Not weather (the recorder waits that out): this outcome cannot be written. The job goes back
            // to the queue now, not when a lease nobody renews would expire: it is sent again.
            let release = JobOutcome(jobID: job.id, attempt: nil, transition: .release, claimToken: job.claimToken)
            let released = (try? await recorder.record(release)) == .applied
            if released { count(release.transition) }
            logger.error("job \(job.id) (\(job.customID)): could not record the outcome (\(error)); \(released ? "returned it to the queue: it runs again" : "it returns to the queue when this worker stops or its lease expires")")
        }
    }

    /// The body asking for the job's service tier, when it has one (it changes after a 498 with --flex-fallback).
    static func withServiceTier(_ body: String, _ tier: String?) -> String {
        guard let tier, var object = (try? JSONValue.decode(Array(body.utf8)))?.objectValue else { return body }
        if object["service_tier"] == .string(tier) { return body }
        object["service_tier"] = .string(tier)
        return JSONValue.object(object).jsonString()
    }

    /// `--truncate`: the body shortened to the model's context window when the job may be and must be
    /// (nil when it fits as it is), or why it cannot be.
    func fitted(_ job: ClaimedJob, model: String) -> Result<PromptFitter.Fitted?, PromptFitter.FitError> {
        guard job.truncate, let window = configuration.budget?.catalog.entries[model]?.contextWindow else { return .success(nil) }
        // Providers add a few tokens of framing per message and a few per request; count them in characters.
        let perCharacter = job.tokensPerCharacter ?? 0.35
        let available = window - (job.maxTokens ?? 0) - 8
        let maxCharacters = Int(Double(available) / perCharacter)
        do throws(PromptFitter.FitError) {
            let fit = try PromptFitter.fit(job.requestJSON, maxCharacters: maxCharacters, perMessage: Int((5 / perCharacter).rounded(.up)))
            return .success(fit.droppedMessages == 0 && !fit.cutNewest ? nil : fit)
        } catch {
            return .failure(error)
        }
    }

    /// For a job that ends without a call: its claim's reservation goes back whole, as after a refusal.
    func noCall(_ job: ClaimedJob) -> ProviderObservation? {
        guard let budget = configuration.budget else { return nil }
        var observation = ProviderObservation(provider: budget.provider, model: job.model.map { Admission.meterKey(serviceTier: job.serviceTier, model: $0) } ?? "")
        observation.refused = true
        return observation
    }

    /// What a response tells the GroqQueue: limits from headers and 429 bodies, and the real usage.
    func observation(job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>) -> ProviderObservation? {
        guard let budget = configuration.budget else { return nil }
        // A flex call's headers and 429s describe the flex limits: they go to the flex meters.
        let meterModel = Admission.meterKey(serviceTier: job.serviceTier, model: model)
        var observation = ProviderObservation(provider: budget.provider, model: meterModel, promptCharacters: job.promptCharacters)
        let headers: RateLimitHeaders
        switch result {
        case .success(let success):
            headers = success.rateLimits
            let usage = success.completion.usage
            observation.promptTokens = usage.promptTokens
            observation.totalTokens = usage.totalTokens
            // nil when the catalog has no price for the model: unknown, not free.
            if let entry = budget.catalog.entries[model], entry.inputPrice != nil || entry.outputPrice != nil {
                observation.actualCost = entry.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
            }
        case .failure(let failure):
            headers = failure.rateLimits
            // A 4xx (a 429, a bad parameter, a retired model) is refused before any generation, and a call
            // that never reached the provider used nothing: their reservations are given back. After a
            // 5xx or a timeout nobody knows, so it is kept.
            observation.refused = (400..<500).contains(failure.httpStatus ?? 0) || failure.unreachable != nil
            if let message = failure.rateLimitMessage, !message.requestTooLarge, let kind = LimitKind(rawValue: message.kind.rawValue.lowercased()) {
                observation.rateLimit = .init(kind: kind, limit: message.limit, used: message.used, retryAfter: failure.providerWait)
            }
        }
        observation.tokensPerMinute = .init(limit: headers.tokensPerMinuteLimit, remaining: headers.tokensPerMinuteRemaining, resetIn: headers.tokensPerMinuteReset)
        observation.requestsPerDay = .init(limit: headers.requestsPerDayLimit, remaining: headers.requestsPerDayRemaining, resetIn: headers.requestsPerDayReset)
        return observation
    }

    /// The fields every per-call event carries.
    func eventMetadata(_ job: ClaimedJob, model: String) -> Logger.Metadata {
        ["job": "\(job.id)", "custom_id": "\(job.customID)", "model": "\(model)", "attempt": "\(job.attempts + 1)"]
    }

    /// `--log-responses`, `--log-latency` and `--log-rate-limit` lines for one call.
    func logEvents(_ events: LogEvents, job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, seconds: Double) {
        var metadata = eventMetadata(job, model: model)
        let headers: RateLimitHeaders
        switch result {
        case .success(let success):
            headers = success.rateLimits
            let usage = success.completion.usage
            if events.contains(.responses) {
                logger.notice("response", metadata: metadata.merging([
                    "status": "\(success.httpStatus)", "finish_reason": "\(success.completion.finishReason ?? "-")",
                    "prompt_tokens": "\(usage.promptTokens)", "completion_tokens": "\(usage.completionTokens)",
                    "content": "\(LogEvents.truncated(success.completion.content ?? ""))",
                ]) { $1 })
            }
            if events.contains(.latency) {
                metadata["seconds"] = "\(String(format: "%.3f", seconds))"
                if let queue = usage.queueTime { metadata["groq_queue_time"] = "\(queue)" }
                if let total = usage.totalTime { metadata["groq_total_time"] = "\(total)" }
                logger.notice("latency", metadata: metadata)
            }
        case .failure(let failure):
            headers = failure.rateLimits
            if events.contains(.responses) {
                logger.notice("error response", metadata: metadata.merging([
                    "status": "\(failure.httpStatus.map(String.init) ?? "none")", "code": "\(failure.code)",
                    "class": "\(failure.outcomeClass.rawValue)", "message": "\(LogEvents.truncated(failure.message))",
                ]) { $1 })
            }
            if events.contains(.latency) {
                logger.notice("latency", metadata: metadata.merging(["seconds": "\(String(format: "%.3f", seconds))", "failed": "true"]) { $1 })
            }
            if events.contains(.rateLimit), failure.httpStatus == 429 {
                var fields: Logger.Metadata = ["retry_after": "\(failure.providerWait.map { String(format: "%.1f s", $0) } ?? "-")"]
                if let message = failure.rateLimitMessage {
                    fields["limit"] = "\(message.kind.rawValue)"
                    fields["limit_value"] = "\(message.limit)"
                    fields["used"] = "\(message.used.map(String.init) ?? "-")"
                }
                logger.notice("rate limited", metadata: metadata.merging(fields) { $1 })
            }
        }
        if events.contains(.rateLimit), headers.tokensPerMinuteRemaining != nil || headers.requestsPerDayRemaining != nil {
            logger.notice("rate limit headers", metadata: metadata.merging([
                "remaining_tokens_per_minute": "\(headers.tokensPerMinuteRemaining.map(String.init) ?? "-")",
                "remaining_requests_per_day": "\(headers.requestsPerDayRemaining.map(String.init) ?? "-")",
            ]) { $1 })
        }
    }

    /// Counts the call behind an outcome, whether or not its outcome can be written: it was made.
    func countCall(_ outcome: JobOutcome) {
        guard let attempt = outcome.attempt else { return }
        metrics.recordCall(attempt)
        guard attempt.outcome != .abandoned else { return }
        counters.update { progress in
            progress.calls += 1
            progress.models.insert(attempt.model)
        }
    }

    /// Counts a transition the database now holds.
    func count(_ transition: JobTransition) {
        switch transition {
        case .succeed: metrics.recordFinished(.succeeded)
        case .fail: metrics.recordFinished(.failed)
        default: break
        }
        counters.update { progress in
            switch transition {
            case .succeed(let result):
                progress.succeeded += 1
                progress.promptTokens += result.promptTokens
                progress.completionTokens += result.completionTokens
            case .fail: progress.failed += 1
            case .retry: progress.retried += 1
            case .moveToModel: progress.fellBack += 1
            case .release: progress.released += 1
            }
        }
    }

    func log(_ job: ClaimedJob, model: String, outcome: JobOutcome) {
        guard let attempt = outcome.attempt, attempt.outcome != .success else { return }
        var metadata: Logger.Metadata = [
            "job": "\(job.id)", "custom_id": "\(job.customID)", "model": "\(model)",
            "attempt": "\(job.attempts + 1)", "error": "\(attempt.errorCode ?? "-")",
        ]
        switch outcome.transition {
        case .retry(let at, _, _, _):
            metadata["retry_in"] = "\(String(format: "%.1f", at.timeIntervalSinceNow)) s"
            logger.debug("retry", metadata: metadata)
        case .moveToModel(let index, _, _):
            metadata["next_model"] = "\(job.models[index])"
            logger.info("fallback", metadata: metadata)
        case .fail:
            logger.warning("job failed: \(attempt.errorMessage ?? "")", metadata: metadata)
        default:
            break
        }
    }

    // MARK: - Background duties

    /// Renews this worker's leases and returns other workers' expired ones, every `heartbeatInterval`.
    func heartbeat() async {
        var weather = DatabaseWeather()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(configuration.heartbeatInterval))
            if Task.isCancelled { return }
            do {
                _ = try await store.renewLeases(workerID: configuration.workerID, leaseDuration: configuration.leaseDuration, now: nil)
                let recovered = try await store.recoverExpiredLeases(now: nil, sparing: configuration.workerID)
                if configuration.budget != nil { try await store.pruneSpends(now: Date()) }
                if recovered > 0 { logger.notice("returned \(recovered.counted("job")) with expired leases to the queue") }
                _ = weather.succeeded(at: Date())
            } catch where store.isTransient(error) {
                // The claim loop and the recorder say when the database is busy; once is enough here.
                if weather.failed(at: Date()) { logger.info("heartbeat waits for the database: \(error)") }
            } catch {
                logger.warning("heartbeat failed: \(error)")
            }
        }
    }

    func reportProgress() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(progressInterval))
            if Task.isCancelled { return }
            await reportCounts()
        }
    }

    func reportCounts() async {
        guard let onProgress else { return }
        let counts = (try? await store.countsByStatus(batch: configuration.batch)) ?? [:]
        onProgress(counters.snapshot, counts)
    }

}
