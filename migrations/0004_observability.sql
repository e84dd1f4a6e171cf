-- groqbatch schema, part 4: knowing what happened. Which limit each 429 hit, how the worker chose a
-- model, prompts shortened to fit, the provider's model list, and statistics views over the attempts.

ALTER TABLE attempts ADD COLUMN limit_kind TEXT;    -- on a 429: rpm, rpd, tpm or tpd, from the provider's message
ALTER TABLE attempts ADD COLUMN chosen_by TEXT;     -- auto, auto:cheapest or auto:fastest when the worker picked the model
ALTER TABLE jobs ADD COLUMN truncate INTEGER NOT NULL DEFAULT 0;      -- --truncate: shorten a prompt too long for the model
ALTER TABLE results ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;  -- 1 when the prompt sent was shortened to fit

-- The models a provider listed at the last `groqbatch models --refresh`. A model the catalog knows that
-- vanished from the list is kept as 'decommissioned': jobs naming it move on without a wasted call.
CREATE TABLE provider_models (
    provider       TEXT NOT NULL,                 -- the API base URL
    id             TEXT NOT NULL,
    context_window INTEGER,
    max_output     INTEGER,
    owned_by       TEXT,
    status         TEXT NOT NULL CHECK (status IN ('active', 'decommissioned')),
    refreshed_at   REAL NOT NULL,
    PRIMARY KEY (provider, id)
) STRICT;

-- Every call, flattened for statistics: its batch, model, UTC day, outcome, latency, tokens, and Groq's
-- own timings for the call that succeeded.
CREATE VIEW call_stats AS
SELECT a.id                                   AS attempt_id,
       b.name                                 AS batch,
       a.model                                AS model,
       date(a.started_at, 'unixepoch')        AS day,
       a.started_at                           AS started_at,
       a.outcome                              AS outcome,
       a.http_status                          AS http_status,
       a.error_code                           AS error_code,
       a.limit_kind                           AS limit_kind,
       a.finished_at - a.started_at           AS latency,
       a.prompt_tokens                        AS prompt_tokens,
       a.completion_tokens                    AS completion_tokens,
       r.queue_time                           AS queue_time,
       r.total_time                           AS total_time,
       r.cost                                 AS cost
FROM attempts a
JOIN jobs j ON j.id = a.job_id
JOIN batches b ON b.id = j.batch_id
LEFT JOIN results r ON r.job_id = a.job_id AND a.outcome = 'success';

-- The numbers of `groqbatch stats`, all time, grouped three ways: `dimension` is 'model', 'day' or 'batch' and
-- `name` the model, UTC day or batch. Latency percentiles are nearest-rank over successful calls.
CREATE VIEW stats AS
WITH keyed AS (
    SELECT 'model' AS dimension, model AS name, * FROM call_stats
    UNION ALL SELECT 'day', day, * FROM call_stats
    UNION ALL SELECT 'batch', batch, * FROM call_stats
),
ranked AS (
    SELECT *,
           ROW_NUMBER() OVER (PARTITION BY dimension, name, outcome = 'success' ORDER BY latency) AS latency_rank,
           SUM(outcome = 'success') OVER (PARTITION BY dimension, name) AS successes_in_key
    FROM keyed
)
SELECT dimension, name,
       COUNT(*)                                                        AS requests,
       SUM(outcome = 'success')                                        AS successes,
       SUM(outcome = 'retry')                                          AS retries,
       SUM(outcome = 'fallback')                                       AS fallbacks,
       SUM(outcome = 'permanent')                                      AS permanent_failures,
       SUM(outcome = 'fatal')                                          AS fatal,
       SUM(outcome = 'abandoned')                                      AS abandoned,
       SUM(http_status = 429)                                          AS rate_limited,
       SUM(limit_kind = 'rpm')                                         AS rate_limited_rpm,
       SUM(limit_kind = 'rpd')                                         AS rate_limited_rpd,
       SUM(limit_kind = 'tpm')                                         AS rate_limited_tpm,
       SUM(limit_kind = 'tpd')                                         AS rate_limited_tpd,
       MIN(CASE WHEN outcome = 'success' AND latency_rank >= 0.50 * successes_in_key THEN latency END) AS latency_p50,
       MIN(CASE WHEN outcome = 'success' AND latency_rank >= 0.95 * successes_in_key THEN latency END) AS latency_p95,
       MIN(CASE WHEN outcome = 'success' AND latency_rank >= 0.99 * successes_in_key THEN latency END) AS latency_p99,
       AVG(CASE WHEN outcome = 'success' THEN queue_time END)          AS groq_queue_time_avg,
       AVG(CASE WHEN outcome = 'success' THEN total_time END)          AS groq_total_time_avg,
       COALESCE(SUM(prompt_tokens), 0)                                 AS prompt_tokens,
       COALESCE(SUM(completion_tokens), 0)                             AS completion_tokens,
       ROUND(SUM(cost), 6)                                             AS cost_usd,
       MIN(started_at)                                                 AS first_call,
       MAX(started_at)                                                 AS last_call
FROM ranked
GROUP BY dimension, name;

-- `--model auto` (or auto:cheapest, auto:fastest): the policy the job's chain was chosen by, at its first claim.
ALTER TABLE jobs ADD COLUMN model_policy TEXT;
