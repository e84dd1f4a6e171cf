-- groqbatch schema, part 7: meters that cost the same at a million requests a day as at a hundred, and
-- guesses that are not ceilings.
--
-- Settled spends become buckets: one row per meter and second for minute meters, per five minutes for
-- day meters, stamped with the bucket's end (so a spend leaves its window no earlier than it would have).
-- A window then holds at most 60 or 288 rows however many calls it counts. Open reservations stay one
-- row per job until their call's outcome settles them into the bucket of the answer's time.
CREATE TEMP TABLE settled_buckets AS
SELECT s.budget_id,
       CASE WHEN b.kind IN ('rpm', 'tpm')
            THEN CAST(s.at AS INTEGER) + (s.at > CAST(s.at AS INTEGER))
            ELSE (CAST(s.at / 300 AS INTEGER) + (s.at / 300 > CAST(s.at / 300 AS INTEGER))) * 300 END AS at,
       SUM(s.amount) AS amount
FROM budget_spends s JOIN budgets b ON b.id = s.budget_id
WHERE s.open = 0
GROUP BY 1, 2;
DELETE FROM budget_spends WHERE open = 0;
INSERT INTO budget_spends (budget_id, at, amount, job_id, open)
SELECT budget_id, at, amount, NULL, 0 FROM settled_buckets;
DROP TABLE settled_buckets;
CREATE UNIQUE INDEX budget_spends_bucket ON budget_spends (budget_id, at) WHERE open = 0;
-- A window's sum (its buckets, then its open reservations) is read from this index alone, amount
-- included, not row by row from the table.
DROP INDEX budget_spends_window;
CREATE INDEX budget_spends_window ON budget_spends (budget_id, open, at, amount);

-- A guessed limit (the catalog's, or the default for an unknown model) is a floor, not a ceiling: it is
-- raised while work waits on it, until the provider states the real one. `guess` says how far a guess
-- has got (NULL for a limit the provider or the user stated); `floor_value` keeps the part known safe
-- (bursts go up to it at once; what lies above is paced while it is probed); `raised_at` is when the
-- guess was last raised.
ALTER TABLE budgets ADD COLUMN guess TEXT CHECK (guess IN ('unchecked', 'tier', 'scaled', 'probing', 'none'));
ALTER TABLE budgets ADD COLUMN floor_value INTEGER;
ALTER TABLE budgets ADD COLUMN raised_at REAL;
UPDATE budgets SET guess = 'unchecked', floor_value = limit_value WHERE source IN ('catalog', 'default');
-- When the provider last answered a call for this model: until the first answer, one call goes alone
-- (its headers say which limits apply; a provider that sends none has none to respect).
ALTER TABLE budgets ADD COLUMN heard_at REAL;

-- Completion tokens of answered jobs that set no max_tokens, decayed like the prompt estimator's sums:
-- such a job reserves a typical completion with a margin, not the model's whole output limit.
ALTER TABLE token_estimates ADD COLUMN completion_tokens REAL NOT NULL DEFAULT 0;
ALTER TABLE token_estimates ADD COLUMN completion_samples INTEGER NOT NULL DEFAULT 0;
