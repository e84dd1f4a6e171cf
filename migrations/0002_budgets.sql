-- groqbatch schema, part 2: the GroqQueue's budgets, shared by every worker on the file.

-- One meter: one limit (requests or tokens, per minute or per day) of one model at one provider.
CREATE TABLE budgets (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,                 -- the API base URL the limit belongs to
    model         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('rpm', 'rpd', 'tpm', 'tpd')),
    limit_value   INTEGER,                       -- NULL: no limit known or none applies
    source        TEXT NOT NULL CHECK (source IN ('catalog', 'config', 'header', '429', 'default')),
    blocked_until REAL,                          -- a 429 said: nothing before this time
    paced_until   REAL NOT NULL DEFAULT 0,       -- while the limit is a guess: the next spend's earliest time
    updated_at    REAL NOT NULL,
    UNIQUE (provider, model, kind)
) STRICT;

-- What each meter spent when: the sliding log. Rows older than a day are pruned.
CREATE TABLE budget_spends (
    id        INTEGER PRIMARY KEY,
    budget_id INTEGER NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
    at        REAL NOT NULL,
    amount    INTEGER NOT NULL,                  -- requests or tokens; settled to actual usage after the call
    job_id    INTEGER,                           -- the job it was reserved for; NULL for the provider's corrections
    open      INTEGER NOT NULL DEFAULT 0         -- 1 while the reservation waits for its call's outcome
) STRICT;
CREATE INDEX budget_spends_window ON budget_spends (budget_id, at);
CREATE INDEX budget_spends_open ON budget_spends (job_id) WHERE open = 1;
CREATE INDEX budget_spends_age ON budget_spends (at);

-- The prompt-token estimator per model: decayed sums of characters sent and prompt tokens counted.
CREATE TABLE token_estimates (
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    characters     REAL NOT NULL,
    tokens         REAL NOT NULL,
    samples        INTEGER NOT NULL,
    relative_error REAL NOT NULL,                -- running average error of the ratio, before the margin
    updated_at     REAL NOT NULL,
    PRIMARY KEY (provider, model)
) STRICT;

-- A batch may let jobs move down their model chain when their own model is out of budget.
ALTER TABLE batches ADD COLUMN fallback_when_limited INTEGER NOT NULL DEFAULT 0;

-- User budgets on top of the provider's: a batch's caps, and what it spent (open reservations included).
ALTER TABLE batches ADD COLUMN token_cap INTEGER;                    -- import --token-cap
ALTER TABLE batches ADD COLUMN cost_cap REAL;                        -- import --max-cost, US dollars
ALTER TABLE batches ADD COLUMN spent_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN spent_cost REAL NOT NULL DEFAULT 0;   -- estimated from the catalog's prices
ALTER TABLE batches ADD COLUMN paused TEXT;                          -- why its next job waits for its cap, if it does
-- The reservation a running job holds against its batch's and the day's caps, until settled.
ALTER TABLE jobs ADD COLUMN reserved_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN reserved_cost REAL NOT NULL DEFAULT 0;

-- Tokens and estimated cost per UTC day, for work --max-tokens-per-day and --max-cost-per-day.
CREATE TABLE usage_days (
    day    TEXT PRIMARY KEY,                 -- YYYY-MM-DD, UTC
    tokens INTEGER NOT NULL DEFAULT 0,
    cost   REAL NOT NULL DEFAULT 0
) STRICT;

-- Each meter now: limit, where it came from, what the last period used, what is left.
CREATE VIEW budget_status AS
SELECT b.provider, b.model, b.kind, b.limit_value AS "limit", b.source,
       COALESCE((SELECT SUM(s.amount) FROM budget_spends s
                 WHERE s.budget_id = b.id
                   AND s.at > (julianday('now') - 2440587.5) * 86400.0
                              - CASE WHEN b.kind IN ('rpm', 'tpm') THEN 60 ELSE 86400 END), 0) AS used,
       datetime(b.blocked_until, 'unixepoch') AS blocked_until,
       datetime(b.updated_at, 'unixepoch') AS updated
FROM budgets b;
