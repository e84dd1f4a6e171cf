/// Every statement on `budgets`, `budget_spends` and `token_estimates`.
enum BudgetsSQL {
    static let ensure = """
        INSERT INTO budgets (provider, model, kind, limit_value, source, guess, floor_value, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, model, kind) DO NOTHING
        """
    static let meters = """
        SELECT id, kind, limit_value, source, blocked_until, paced_until, guess, floor_value, raised_at, heard_at
        FROM budgets WHERE provider = ? AND model = ?
        """
    /// A meter's window in one row: how much, and the latest spend. The settled buckets in the window and
    /// every open reservation, whatever its age (the provider counted it when the request arrived, which
    /// may be later than the claim); each half reads its own partial index.
    /// (Two plain aggregates over the covering index: a union in one statement steps row by row through
    /// a co-routine, which made a day's window cost a third of a claim.)
    static let windowTotal = """
        SELECT COALESCE(SUM(amount), 0), MAX(at) FROM budget_spends WHERE budget_id = ? AND open = 0 AND at > ?
        """
    static let openTotal = "SELECT COALESCE(SUM(amount), 0), MAX(at) FROM budget_spends WHERE budget_id = ? AND open = 1"
    static let spendsInWindow = """
        SELECT id, at, amount FROM budget_spends WHERE budget_id = ? AND open = 0 AND at > ?
        UNION ALL SELECT id, at, amount FROM budget_spends WHERE budget_id = ? AND open = 1
        ORDER BY 2
        """
    /// Calls out on a model's meters: the running jobs holding open reservations. A job whose lease
    /// lapsed (its worker died with the call out) keeps its reservation counting until it is claimed
    /// again, but is not in flight: counted, it would hold the scout's place forever.
    static func inFlight(meters: Int) -> String {
        """
        SELECT COUNT(DISTINCT s.job_id) FROM budget_spends s JOIN jobs j ON j.id = s.job_id
        WHERE s.open = 1 AND j.status = 'running' AND s.budget_id IN (\(Array(repeating: "?", count: meters).joined(separator: ", ")))
        """
    }
    static let saveMeter = """
        UPDATE budgets SET limit_value = ?, source = ?, guess = ?, floor_value = ?, raised_at = ?, blocked_until = ?,
                           paced_until = ?, updated_at = ? WHERE id = ?
        """
    static let markHeard = "UPDATE budgets SET heard_at = ? WHERE provider = ? AND model = ?"
    /// A reservation, one row per job and meter until its call's outcome settles it.
    static let insertOpenSpend = "INSERT INTO budget_spends (budget_id, at, amount, job_id, open) VALUES (?, ?, ?, ?, 1)"
    /// Adds a settled amount to its bucket (a second of a minute meter, a minute of a day meter).
    static let addToBucket = """
        INSERT INTO budget_spends (budget_id, at, amount, job_id, open) VALUES (?, ?, ?, NULL, 0)
        ON CONFLICT (budget_id, at) WHERE open = 0 DO UPDATE SET amount = budget_spends.amount + excluded.amount
        """
    /// A job's open reservations, to settle them into buckets.
    static let openSpends = """
        SELECT s.id, s.budget_id, s.amount, s.at, b.kind, b.limit_value, b.source, b.guess, b.floor_value, b.raised_at,
               b.blocked_until, b.paced_until
        FROM budget_spends s JOIN budgets b ON b.id = s.budget_id
        WHERE s.job_id = ? AND s.open = 1
        """
    static let deleteSpend = "DELETE FROM budget_spends WHERE id = ?"
    static let savePacing = "UPDATE budgets SET paced_until = ? WHERE id = ?"
    /// Settled buckets no window can count any more: a day's (and a minute's) old, and for minute
    /// meters two minutes old, so each of them keeps about a hundred rows, not a day of seconds.
    static let prune = "DELETE FROM budget_spends WHERE at < ? AND open = 0"
    static let pruneMinuteMeters = """
        DELETE FROM budget_spends WHERE at < ? AND open = 0 AND budget_id IN (SELECT id FROM budgets WHERE kind IN ('rpm', 'tpm'))
        """

    static let reserveBatch = "UPDATE batches SET spent_tokens = spent_tokens + ?, spent_cost = spent_cost + ? WHERE id = ?"
    static let reserveDay = """
        INSERT INTO usage_days (day, tokens, cost) VALUES (?, ?, ?)
        ON CONFLICT (day) DO UPDATE SET tokens = usage_days.tokens + excluded.tokens, cost = usage_days.cost + excluded.cost
        """
    static let day = "SELECT tokens, cost FROM usage_days WHERE day = ?"
    static let jobReservation = "SELECT batch_id, reserved_tokens, reserved_cost, reserved_at FROM jobs WHERE id = ?"
    static let clearReservation = "UPDATE jobs SET reserved_tokens = 0, reserved_cost = 0, reserved_at = NULL WHERE id = ?"
    static let pauseBatch = "UPDATE batches SET paused = ? WHERE id = ?"
    static let resumeBatch = "UPDATE batches SET paused = NULL WHERE id = ? AND paused IS NOT NULL"
    static let pausedBatches = "SELECT name, paused FROM batches WHERE paused IS NOT NULL"
    static let estimator = """
        SELECT characters, tokens, samples, relative_error, completion_tokens, completion_samples, cached_tokens, cache_prompt_tokens
        FROM token_estimates WHERE provider = ? AND model = ?
        """
    static let saveEstimator = """
        INSERT INTO token_estimates (provider, model, characters, tokens, samples, relative_error, completion_tokens,
                                     completion_samples, updated_at, cached_tokens, cache_prompt_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, model) DO UPDATE SET characters = excluded.characters, tokens = excluded.tokens,
            samples = excluded.samples, relative_error = excluded.relative_error,
            completion_tokens = excluded.completion_tokens, completion_samples = excluded.completion_samples,
            updated_at = excluded.updated_at, cached_tokens = excluded.cached_tokens, cache_prompt_tokens = excluded.cache_prompt_tokens
        """

    static let all = """
        SELECT id, provider, model, kind, limit_value, source, blocked_until, paced_until, guess, floor_value, raised_at, heard_at
        FROM budgets
        ORDER BY provider, model, CASE kind WHEN 'rpm' THEN 0 WHEN 'rpd' THEN 1 WHEN 'tpm' THEN 2 ELSE 3 END
        """
    static let setLimit = """
        INSERT INTO budgets (provider, model, kind, limit_value, source, updated_at) VALUES (?, ?, ?, ?, 'config', ?)
        ON CONFLICT (provider, model, kind) DO UPDATE SET limit_value = excluded.limit_value, source = 'config',
            guess = NULL, floor_value = NULL, raised_at = NULL, updated_at = excluded.updated_at
        """
    static let reset = "DELETE FROM budgets WHERE (CAST(? AS TEXT) IS NULL OR model = ?) AND (CAST(? AS TEXT) IS NULL OR provider = ?)"
    static let allEstimators = """
        SELECT provider, model, characters, tokens, samples, relative_error, completion_tokens, completion_samples,
               cached_tokens, cache_prompt_tokens
        FROM token_estimates
        """
}
