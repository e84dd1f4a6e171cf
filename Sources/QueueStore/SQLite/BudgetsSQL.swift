/// Every statement on `budgets`, `budget_spends` and `token_estimates`.
enum BudgetsSQL {
    static let ensure = """
        INSERT INTO budgets (provider, model, kind, limit_value, source, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, model, kind) DO NOTHING
        """
    static let meters = """
        SELECT id, kind, limit_value, source, blocked_until, paced_until FROM budgets WHERE provider = ? AND model = ?
        """
    /// A meter's window in one row: how much, and the latest spend (when the whole amount has left).
    /// A reservation still in flight counts whatever its age: the provider counted it when the request
    /// arrived, which may be later than the claim.
    static let windowTotal = """
        SELECT COALESCE(SUM(amount), 0), MAX(at) FROM budget_spends WHERE budget_id = ? AND (at > ? OR open = 1)
        """
    static let spendsInWindow = "SELECT id, at, amount FROM budget_spends WHERE budget_id = ? AND (at > ? OR open = 1) ORDER BY at"
    static let saveMeter = """
        UPDATE budgets SET limit_value = ?, source = ?, blocked_until = ?, paced_until = ?, updated_at = ? WHERE id = ?
        """
    static let insertSpend = "INSERT INTO budget_spends (budget_id, at, amount, job_id, open) VALUES (?, ?, ?, ?, ?)"
    /// Closes a job's reservation, stamped with the response's time: the provider counted the request
    /// somewhere between the claim and the answer, so the answer's time is the safe one to expire from.
    static let closeOpenSpends = "UPDATE budget_spends SET open = 0, at = MAX(at, ?) WHERE job_id = ? AND open = 1"
    /// Settles a job's open reservation: tokens to what was used, requests as they were.
    static let settleTokens = """
        UPDATE budget_spends SET amount = ?, open = 0, at = MAX(at, ?)
        WHERE job_id = ? AND open = 1 AND budget_id IN (SELECT id FROM budgets WHERE kind IN ('tpm', 'tpd'))
        """
    /// A job's open reservations, to know what settling gives back.
    static let openSpends = """
        SELECT s.budget_id, s.amount, b.kind FROM budget_spends s JOIN budgets b ON b.id = s.budget_id
        WHERE s.job_id = ? AND s.open = 1
        """
    static let meterByID = "SELECT kind, limit_value, source, blocked_until, paced_until FROM budgets WHERE id = ?"
    static let savePacing = "UPDATE budgets SET paced_until = ? WHERE id = ?"
    /// A refused call (429) used nothing.
    static let refundAll = "UPDATE budget_spends SET amount = 0, open = 0 WHERE job_id = ? AND open = 1"
    static let prune = "DELETE FROM budget_spends WHERE at < ? AND open = 0"

    static let reserveBatch = "UPDATE batches SET spent_tokens = spent_tokens + ?, spent_cost = spent_cost + ? WHERE id = ?"
    static let reserveDay = """
        INSERT INTO usage_days (day, tokens, cost) VALUES (?, ?, ?)
        ON CONFLICT (day) DO UPDATE SET tokens = tokens + excluded.tokens, cost = cost + excluded.cost
        """
    static let day = "SELECT tokens, cost FROM usage_days WHERE day = ?"
    static let jobReservation = "SELECT batch_id, reserved_tokens, reserved_cost FROM jobs WHERE id = ?"
    static let clearReservation = "UPDATE jobs SET reserved_tokens = 0, reserved_cost = 0 WHERE id = ?"
    static let pauseBatch = "UPDATE batches SET paused = ? WHERE id = ?"
    static let resumeBatch = "UPDATE batches SET paused = NULL WHERE id = ? AND paused IS NOT NULL"
    static let pausedBatches = "SELECT name, paused FROM batches WHERE paused IS NOT NULL"
    static let estimator = "SELECT characters, tokens, samples, relative_error FROM token_estimates WHERE provider = ? AND model = ?"
    static let saveEstimator = """
        INSERT INTO token_estimates (provider, model, characters, tokens, samples, relative_error, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, model) DO UPDATE SET characters = excluded.characters, tokens = excluded.tokens,
            samples = excluded.samples, relative_error = excluded.relative_error, updated_at = excluded.updated_at
        """

    static let all = """
        SELECT id, provider, model, kind, limit_value, source, blocked_until, paced_until FROM budgets
        ORDER BY provider, model, CASE kind WHEN 'rpm' THEN 0 WHEN 'rpd' THEN 1 WHEN 'tpm' THEN 2 ELSE 3 END
        """
    static let setLimit = """
        INSERT INTO budgets (provider, model, kind, limit_value, source, updated_at) VALUES (?, ?, ?, ?, 'config', ?)
        ON CONFLICT (provider, model, kind) DO UPDATE SET limit_value = excluded.limit_value, source = 'config',
            updated_at = excluded.updated_at
        """
    static let reset = "DELETE FROM budgets WHERE (? IS NULL OR model = ?) AND (? IS NULL OR provider = ?)"
    static let allEstimators = "SELECT provider, model, characters, tokens, samples, relative_error FROM token_estimates"
}
