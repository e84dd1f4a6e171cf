import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle

// The claim loop: what to claim and when, run windows, the database's weather, outages, stopping.
extension QueueWorker {
    enum Event: Sendable {
        /// A call's outcome is written; `freesBudget` when its end may let another job go at once (see
        /// `ClaimLoopState.finished`).
        case finished(freesBudget: Bool)
        /// The timer numbered so woke the loop.
        case tick(Int)
    }

    func claimLoop() async throws {
        try await withThrowingTaskGroup(of: Event.self) { group in
            var state = ClaimLoopState()
            while true {
                state.closedUntil = windowClosedUntil(previously: state.closedUntil, inFlight: state.inFlight)
                if let reason = stopReasonNow(claimed: state.claimed) {
                    if state.inFlight == 0 { break }
                    windDown(reason, &state, &group)
                } else if state.closedUntil != nil {
                    // Outside the run window: calls in flight finish, nothing new starts.
                } else if !state.weather.mayTry(at: Date()) {
                    // The database is busy or unavailable: wait it out (pauseLength), then try again.
                } else if case .none = breaker.withLock({ $0.peek(at: Date()) }) {
                    // The provider is unreachable: nothing is claimed until the next probe is due.
                } else if state.wantsClaim(concurrency: configuration.concurrency, refillBatch: refillBatch) {
                    try await claimAndStart(&state, &group)
                }
                if state.inFlight == 0, control.reason == nil, configuration.drain, state.weather.mayTry(at: Date()) {
                    let (capped, dayCapReached) = (state.capped, state.dayCapReached)
                    if try await weathered(&state.weather, { try await self.drained(capped: capped, dayCapReached: dayCapReached) }) == true {
                        control.stop(.drained)
                        continue
                    }
                }
                // A claim may have set a wake sooner than the timer already waiting: then another timer.
                let pause = timerPause(state)
                if state.timer.map({ Date().addingTimeInterval(pause) < $0.firesAt.addingTimeInterval(-0.005) }) ?? true {
                    startTimer(&state, &group, pause: pause)
                }
                switch try await group.next() {
                case .finished(let freesBudget)?:
                    // A finished job frees a slot, and may have requeued itself or given back budget.
                    state.finished(freesBudget: freesBudget)
                    counters.update { $0.inFlight = state.inFlight }
                    metrics.recordInFlight(state.inFlight)
                case .tick(let serial)?:
                    if state.timer?.serial == serial { state.timer = nil }
                case nil:
                    state.timer = nil
                }
            }
            group.cancelAll()
        }
    }

    /// Stopping with calls in flight: after a shutdown they have the grace period, then are cancelled
    /// (their jobs return to the queue).
    func windDown(_ reason: StopReason, _ state: inout ClaimLoopState, _ group: inout ThrowingTaskGroup<Event, any Error>) {
        if reason == .shutdown, state.graceDeadline == nil {
            state.graceDeadline = Date().addingTimeInterval(configuration.grace)
            logger.notice("stopping: waiting up to \(Int(configuration.grace)) s for \(state.inFlight.counted("call")) in flight")
        }
        if let deadline = state.graceDeadline, Date() >= deadline {
            logger.notice("grace period over: cancelling \(state.inFlight.counted("call")); their jobs return to the queue")
            group.cancelAll()
            state.graceDeadline = .distantFuture
        }
    }

    /// Claims when the queue may hold runnable work, and starts a call for each job claimed.
    func claimAndStart(_ state: inout ClaimLoopState, _ group: inout ThrowingTaskGroup<Event, any Error>) async throws {
        let idleSince = state.idleSince
        guard try await weathered(&state.weather, { try await self.shouldClaim(idleSince) }) == true,
            // Read before the claim: a change made while the claim runs (an import, the Batch API loop
            // deciding --via auto jobs) then differs from it and wakes an idle worker. Read after, such
            // a change would pass as seen: a lost wakeup.
            let counterBeforeClaim = try await weathered(&state.weather, { try await self.store.changeCounter() })
        else { return }
        // While the provider is unreachable, one probe call at a time.
        let probing = breaker.withLock { $0.allowance(at: Date()) } == .probe
        let limit = state.claimLimit(concurrency: configuration.concurrency, maxJobs: configuration.maxJobs, probing: probing)
        guard let claim = try await weathered(&state.weather, { try await self.claim(limit: limit) }) else { return }
        if probing && claim.jobs.isEmpty { breaker.withLock { $0.probeUnused(at: Date()) } }
        held.withLock { $0.add(claim.jobs) }
        for job in claim.jobs {
            group.addTask {
                let freesBudget = await self.process(job)
                self.held.withLock { $0.remove(job) }
                return .finished(freesBudget: freesBudget)
            }
        }
        let dayCapNewlyReached = state.absorb(claim, asked: limit, counterBeforeClaim: counterBeforeClaim)
        counters.update { $0.inFlight = state.inFlight }
        metrics.recordInFlight(state.inFlight)
        if claim.movedWithoutCall > 0 || claim.failedWithoutCall > 0 {
            counters.update {
                $0.fellBack += claim.movedWithoutCall
                $0.failed += claim.failedWithoutCall
            }
        }
        if claim.expired > 0 {
            logger.notice("\(claim.expired) queued jobs expired: their batch's deadline passed (groqbatch retry --expired queues them again)")
        }
        if dayCapNewlyReached { logger.notice("the daily cap is reached: work pauses until the next UTC day") }
    }

    /// How long the loop may sleep: until the next thing it waits for.
    func timerPause(_ state: ClaimLoopState) -> Double {
        var probeAt: Date?
        if case .none(let until) = breaker.withLock({ $0.peek(at: Date()) }) { probeAt = until }
        return min(
            pauseLength(idleSince: state.idleSince, closedUntil: state.closedUntil),
            state.weather.retryAt.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity,
            probeAt.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity,
            state.graceDeadline.map { max(0.01, $0.timeIntervalSinceNow) } ?? .infinity)
    }

    /// A timer in the group that wakes the loop after `pause`. The loop starts one when none waits, or
    /// when it must wake sooner than the one waiting (a claim set an earlier wake); a timer that is no
    /// longer the latest only adds a turn of the loop when it fires.
    func startTimer(_ state: inout ClaimLoopState, _ group: inout ThrowingTaskGroup<Event, any Error>, pause: Double) {
        let serial = (state.timer?.serial ?? state.lastTimerSerial) + 1
        state.lastTimerSerial = serial
        state.timer = (serial, Date().addingTimeInterval(pause))
        // Once stopping, the timer only bounds the wait for calls in flight (up to the grace period's
        // end): a shutdown-cancelled sleep would end at once, and the loop would spin.
        let stopping = control.reason != nil
        // Idle and in the window: a store that is told of changes (PostgreSQL's NOTIFY) ends the wait
        // as soon as another process adds or frees work.
        let idle = state.idleSince != nil && state.closedUntil == nil
        group.addTask {
            if stopping {
                try? await Task.sleep(for: .seconds(pause))
            } else if idle {
                await cancelWhenGracefulShutdown { await self.store.waitForChange(timeout: pause) }
            } else {
                // A long sleep outside the run window must still end at once on shutdown.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
            }
            return .tick(serial)
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
        } catch  where store.isTransient(error) {
            if weather.failed(at: Date()) {
                logger.warning("the database is busy or unavailable (\(error)): claiming waits and tries again; calls in flight go on")
            }
            return nil
        }
    }

    /// Whether a draining worker is done: nothing is left but work that waits for a user's cap.
    func drained(capped claimCapped: Set<Int64>, dayCapReached: Bool) async throws -> Bool {
        var capped = claimCapped
        // A Batch API batch at its cap is paused by the packer, as a claim pauses an on-demand one.
        if let remote, configuration.remote != nil {
            capped.formUnion(try await remote.store.batchAPIPausedBatches(batch: configuration.batch))
        }
        let left: Int
        if dayCapReached {
            left = 0
        } else if capped.isEmpty {
            left = try await store.unfinishedCount(batch: configuration.batch)
        } else if configuration.batch != nil {
            // The one batch worked on waits for its cap: at once when a claim paused it, once its remote
            // batches are closed when the Batch API packer did.
            if !claimCapped.isEmpty { return true }
            left = 0
        } else {
            left = try await store.unfinishedCount(excludingBatches: capped)
        }
        if left == 0 && (dayCapReached || !capped.isEmpty) {
            logger.notice("the jobs left wait for a cap (groqbatch status says which)")
        }
        // Every job can be answered while a remote batch is still being closed (its last answers written,
        // its record not yet done): drained means the Batch API loop has nothing left either.
        // (Queued jobs of the capped batches wait for their caps, not for the loop.)
        if left == 0, let remote, let provider = configuration.remote?.provider,
            try await remote.store.hasRemoteWork(provider: provider, excludingBatches: capped)
        {
            return false
        }
        return left == 0
    }

    /// A claim through the GroqQueue when budgets are on, else a plain one; either way with the instant
    /// to look again when it got fewer jobs than asked.
    func claim(limit: Int) async throws -> ClaimResult {
        if let budget = configuration.budget {
            var result = try await store.claim(
                workerID: configuration.workerID, limit: limit, leaseDuration: configuration.leaseDuration,
                batch: configuration.batch, now: nil, budget: budget)
            // The loop sleeps and compares on this host's clock; the store's wake is on its own.
            result.wakeAt = result.wake(onHostClockAt: Date())
            if result.movedWithoutCall + result.failedWithoutCall > 0 {
                var reasons: [String] = []
                if result.unusable > 0 { reasons.append("their model is decommissioned or its context window too small") }
                if result.tooLarge > 0 { reasons.append("the request can never fit the model's limits (request_too_large)") }
                if result.failedWithoutCall > result.unusable + result.tooLarge { reasons.append("no model in the catalog fits them") }
                let message =
                    "without a call, \(result.movedWithoutCall.counted("job")) moved to their next model and \(result.failedWithoutCall) failed: \(reasons.joined(separator: "; "))"
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
            control.stop(
                .providerUnreachable(
                    "the provider has been unreachable for \(DurationText.short(Date().timeIntervalSince(since))) (--give-up-after); no job was failed by the outage, all stay queued"
                ))
            return control.reason
        }
        if let stopAt = configuration.stopClaimingAt, Date() >= stopAt {
            control.stop(.timeUp)
        } else if let maxJobs = configuration.maxJobs, claimed >= maxJobs {
            control.stop(.maxJobs)
        }
        return control.reason
    }
}
