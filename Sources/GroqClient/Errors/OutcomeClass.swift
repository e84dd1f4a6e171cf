/// What the worker should do after a call: the five classes of the retry/fallback table.
public enum OutcomeClass: String, Sendable, CaseIterable {
    /// The completion arrived and parsed.
    case success
    /// Try the same model again later (backoff, or the provider's stated wait).
    case retry
    /// This model cannot serve this request: move to the next model of the chain at once.
    case fallback
    /// The request itself is wrong: fail the job, no other model would help.
    case permanent
    /// The credentials or the endpoint are wrong: stop the worker, fail nothing.
    case fatal
}
