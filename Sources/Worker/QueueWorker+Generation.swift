import Foundation
import GroqClient
import JobFormats
import Logging
import QueueStore
import Scheduler
import ServiceLifecycle

// One generation: prompt fitting, the call, the outcome it leads to, and what the response tells the meters.
extension QueueWorker {
    /// Makes the job's call and writes its outcome; returns whether its end may let another job go at
    /// once: anything but an answer (the job is back in the queue, or a refused call gave its requests
    /// back). An answer's tokens are the claim's business (`ClaimResult.finishesMayAdmit`).
    @discardableResult
    func process(_ job: ClaimedJob) async -> Bool {
        let outcome = await outcome(for: job)
        countCall(outcome)
        await write(outcome, of: job)
        if case .succeed = outcome.transition { return false }
        return true
    }

    /// What became of the job: a call (its prompt fitted first, when `--truncate` allows), or a failure
    /// without one when the prompt cannot fit or the chain is used up.
    func outcome(for job: ClaimedJob) async -> JobOutcome {
        let fitting = job.model.map { fitted(job, model: $0) }
        if case .failure(let reason)? = fitting {
            return JobOutcome(
                jobID: job.id, attempt: nil, transition: .fail(code: "context_length_exceeded", message: reason.description),
                observation: noCall(job), claimToken: job.claimToken)
        }
        guard let model = job.model, case .success(let fit)? = fitting else {
            return JobOutcome(
                jobID: job.id, attempt: nil, transition: .fail(code: "no_model", message: "the job's model chain is used up"),
                observation: noCall(job), claimToken: job.claimToken)
        }
        return await call(job, model: model, fit: fit)
    }

    /// One call to the provider, logged as asked, and its outcome.
    func call(_ job: ClaimedJob, model: String, fit: PromptFitter.Fitted?) async -> JobOutcome {
        let events = configuration.logEvents
        let format = ResponseFormat.of(requestJSON: job.requestJSON)
        var requestJSON = Self.withServiceTier(fit?.body ?? job.requestJSON, job.serviceTier)
        if case .jsonSchema? = format?.kind {
            requestJSON = ResponseFormat.body(requestJSON, strictAllowed: configuration.budget?.catalog.entries[model]?.strictJSONSchema == true)
        }
        if let fit {
            logger.info(
                "prompt shortened to fit \(model)'s context window",
                metadata: eventMetadata(job, model: model).merging([
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
        if Task.isCancelled, case .failure = result {
            // Cut short by shutdown: not the job's fault, so it goes back untouched. (An answer that
            // landed as the grace period ended is kept: it is written like any other.)
            let attempt = AttemptRecord(
                model: model, startedAt: started, finishedAt: finished, httpStatus: nil, outcome: .abandoned,
                errorCode: "shutdown", errorMessage: "the worker stopped before the answer arrived")
            return JobOutcome(
                jobID: job.id, attempt: attempt, transition: .release,
                // Its reservation goes back, on the caps and the meters: the worker dropped the call
                // itself, and the job's next call reserves (and settles) again; kept, each stop would
                // add its calls in flight to the batch's and the day's spending for good.
                observation: configuration.budget.map {
                    var cut = ProviderObservation(
                        provider: $0.provider, model: Admission.meterKey(serviceTier: job.serviceTier, model: model), refused: true)
                    cut.fromResponse = false
                    return cut
                },
                claimToken: job.claimToken)
        }
        let outcome = planned(job, model: model, result: result, started: started, finished: finished, fit: fit, format: format)
        log(job, model: model, outcome: outcome)
        return outcome
    }

    /// The job's next step after an answer or a failure, and what the failure says of the provider.
    /// `fit`: the shortened body that was sent instead of the job's, under `--truncate`.
    func planned(
        _ job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, started: Date, finished: Date, fit: PromptFitter.Fitted?,
        format: ResponseFormat? = nil
    ) -> JobOutcome {
        if case .failure(let failure) = result, failure.outcomeClass == .fatal {
            control.stop(.fatal("\(failure.description) (from \(model)); no job was failed, all stay queued"))
        }
        var planned = planner.plan(
            job: job, model: model, result: result, startedAt: started, finishedAt: finished, random: Double.random(in: 0..<1), format: format)
        // The estimator learns from the characters sent: a shortened prompt's usage against the whole
        // prompt's length would teach a ratio far too low, and the next long prompts would not fit.
        planned.observation = observation(job: job, model: model, result: result, promptCharacters: fit?.promptCharacters)
        if case .failure(let failure) = result, let reason = failure.unreachable {
            // The provider is down, not the job bad: it waits without using up a try.
            planned.transition = .retry(at: finished, code: failure.code, message: failure.message, counted: false)
            if breaker.withLock({ $0.unreachable(at: finished) }) == .opened {
                let hours = String(format: "%g", configuration.giveUpAfter / 3600)
                logger.warning(
                    "the provider is unreachable: \(reason); claiming pauses and jobs keep their tries; one probe call goes out now and then (up to every \(Int(ProviderBreaker.longestPause)) s); the worker gives up after \(hours) h (--give-up-after)"
                )
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
        return planned
    }

    /// Writes the outcome (the recorder waits out a busy database); one that cannot be written sends
    /// the job back to the queue at once.
    func write(_ outcome: JobOutcome, of job: ClaimedJob) async {
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
            logger.error(
                "job \(job.id) (\(job.customID)): could not record the outcome (\(error)); \(released ? "returned it to the queue: it runs again" : "it returns to the queue when this worker stops or its lease expires")"
            )
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
        var observation = ProviderObservation(
            provider: budget.provider, model: job.model.map { Admission.meterKey(serviceTier: job.serviceTier, model: $0) } ?? "")
        observation.refused = true
        // Nothing was asked, so nothing was heard: the scout's wait goes on.
        observation.fromResponse = false
        return observation
    }

    /// What a response tells the GroqQueue: limits from headers and 429 bodies, and the real usage.
    /// `promptCharacters`: those of the body sent, when it is not the job's own (a fitted prompt).
    func observation(job: ClaimedJob, model: String, result: Result<ChatSuccess, ChatFailure>, promptCharacters: Int? = nil) -> ProviderObservation? {
        guard let budget = configuration.budget else { return nil }
        // A flex call's headers and 429s describe the flex limits: they go to the flex meters.
        let meterModel = Admission.meterKey(serviceTier: job.serviceTier, model: model)
        var observation = ProviderObservation(
            provider: budget.provider, model: meterModel, promptCharacters: promptCharacters ?? job.promptCharacters)
        observation.maxTokensUnset = job.maxTokens == nil
        let headers: RateLimitHeaders
        switch result {
        case .success(let success):
            headers = success.rateLimits
            observation.fromResponse = true
            let usage = success.completion.usage
            observation.promptTokens = usage.promptTokens
            observation.totalTokens = usage.totalTokens
            // Not cache-aware: settled as if the provider counted cached tokens against its limits.
            observation.cachedTokens = budget.cacheAware ? usage.cachedPromptTokens : nil
            // nil when the catalog has no price for the model: unknown, not free.
            if let entry = budget.catalog.entries[model], entry.inputPrice != nil || entry.outputPrice != nil {
                observation.actualCost = entry.cost(
                    promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: usage.cachedPromptTokens ?? 0)
            }
        case .failure(let failure):
            headers = failure.rateLimits
            // A 4xx (a 429, a bad parameter, a retired model) is refused before any generation, and a call
            // that never reached the provider used nothing: their reservations are given back, on the
            // meters and the caps. After a 5xx or a timeout nobody knows, so it is kept; so it is after
            // a 400 json_validate_failed, which comes after the model generated (its failed_generation).
            let generated = failure.code == "json_validate_failed" || failure.failedGeneration != nil
            observation.refused = ((400..<500).contains(failure.httpStatus ?? 0) && !generated) || failure.unreachable != nil
            // A 413's limit is as stated as a 429's, but it blocks nothing: only this request was too large.
            if let message = failure.rateLimitMessage, let kind = LimitKind(rawValue: message.kind.rawValue.lowercased()) {
                observation.rateLimit = .init(
                    kind: kind, limit: message.limit, used: message.requestTooLarge ? nil : message.used,
                    retryAfter: failure.providerWait, blocks: !message.requestTooLarge)
            }
            observation.fromResponse = failure.isProvidersWord
        }
        observation.tokensPerMinute = .init(
            limit: headers.tokensPerMinuteLimit, remaining: headers.tokensPerMinuteRemaining, resetIn: headers.tokensPerMinuteReset)
        observation.requestsPerDay = .init(limit: headers.requestsPerDayLimit, remaining: headers.requestsPerDayRemaining, resetIn: headers.requestsPerDayReset)
        return observation
    }
}
