-- groqbatch schema, part 12: answer reuse and prompt-cache-aware ordering.

-- A deterministic request's fingerprint (temperature 0 or a seed): FNV-1a of its model chain and its
-- canonical body, as hex. Jobs with the same key and the same `request` and `models` text are the same
-- request: one is sent, the others get its answer. NULL for requests that are not deterministic.
ALTER TABLE jobs ADD COLUMN request_key TEXT;
-- The fingerprint of the leading messages (all but the last: the system prompt, few-shot turns) when
-- they are long enough to be worth caching, and their characters. Jobs that share it share a prefix the
-- provider can cache.
ALTER TABLE jobs ADD COLUMN prefix_key TEXT;
ALTER TABLE jobs ADD COLUMN prefix_chars INTEGER;
CREATE INDEX jobs_request_key ON jobs (request_key, batch_id) WHERE request_key IS NOT NULL;

-- Where a batch takes answers from: 'batch' (identical requests within it are sent once, the default),
-- 'all' (`import --reuse`: also earlier batches' answers up to `reuse_max_age` seconds old) or 'off'
-- (`--no-reuse`: every job is sent).
ALTER TABLE batches ADD COLUMN reuse TEXT NOT NULL DEFAULT 'batch' CHECK (reuse IN ('batch', 'all', 'off'));
ALTER TABLE batches ADD COLUMN reuse_max_age REAL;

-- A reused answer names the job whose call produced it. It keeps the answer's token counts (what the
-- answer is) with a cost of 0 (nothing was billed for it); the views that sum billed tokens skip it, so
-- each call counts once. `stats` reports the requests, tokens and cost reuse saved.
ALTER TABLE results ADD COLUMN reused_from INTEGER REFERENCES jobs(id) ON DELETE SET NULL;

-- Per provider, model and prompt prefix: when a call with the prefix last answered (the provider has it
-- cached for about two hours after), and the job sent alone to warm a cold prefix while its group waits.
CREATE TABLE prompt_prefixes (
    provider      TEXT NOT NULL,
    model         TEXT NOT NULL,
    prefix_key    TEXT NOT NULL,
    warm_at       REAL,               -- the last answer of a call that carried the prefix
    pioneer_job   INTEGER,            -- the job warming it, while cold
    pioneer_until REAL,               -- the pioneer's claim is given up on after this
    PRIMARY KEY (provider, model, prefix_key)
) STRICT, WITHOUT ROWID;
-- An outcome finds whether its job was a pioneer.
CREATE INDEX prompt_prefixes_pioneer ON prompt_prefixes (pioneer_job) WHERE pioneer_job IS NOT NULL;

-- job_results gains the job whose answer a reused one is.
DROP VIEW job_results;
CREATE VIEW job_results AS
SELECT b.name                                        AS batch,
       j.custom_id                                   AS custom_id,
       j.line                                        AS line,
       j.status                                      AS status,
       COALESCE(r.model, json_extract(j.models, '$[' || j.model_index || ']')) AS model,
       json_extract(j.request, '$.messages[#-1].content') AS prompt,
       r.content                                     AS content,
       r.finish_reason                               AS finish_reason,
       r.prompt_tokens                               AS prompt_tokens,
       r.completion_tokens                           AS completion_tokens,
       r.total_tokens                                AS total_tokens,
       j.attempts                                    AS attempts,
       j.error_code                                  AS error_code,
       j.error_message                               AS error,
       datetime(j.created_at, 'unixepoch')           AS created,
       datetime(j.finished_at, 'unixepoch')          AS finished,
       j.id                                          AS job_id,
       r.parsed                                      AS parsed,
       j.input                                       AS input,
       r.reused_from                                 AS reused_from
FROM jobs j
JOIN batches b ON b.id = j.batch_id
LEFT JOIN results r ON r.job_id = j.id;

-- Tokens in a batch's progress are the tokens its calls used: reused answers cost none.
DROP VIEW batch_progress;
CREATE VIEW batch_progress AS
SELECT b.name                                                AS batch,
       COUNT(j.id)                                           AS total,
       COALESCE(SUM(j.status = 'queued'), 0)                 AS queued,
       COALESCE(SUM(j.status = 'running'), 0)                AS running,
       COALESCE(SUM(j.status = 'succeeded'), 0)              AS succeeded,
       COALESCE(SUM(j.status = 'failed'), 0)                 AS failed,
       COALESCE(SUM(j.status = 'cancelled'), 0)              AS cancelled,
       COALESCE(SUM(j.status = 'expired'), 0)                AS expired,
       COALESCE(SUM(CASE WHEN r.reused_from IS NULL THEN r.prompt_tokens END), 0)     AS prompt_tokens,
       COALESCE(SUM(CASE WHEN r.reused_from IS NULL THEN r.completion_tokens END), 0) AS completion_tokens,
       datetime(MIN(j.created_at), 'unixepoch')              AS first_activity,
       datetime(MAX(j.updated_at), 'unixepoch')              AS last_activity,
       datetime(b.not_before, 'unixepoch')                   AS not_before,
       datetime(b.deadline, 'unixepoch')                     AS deadline
FROM batches b
LEFT JOIN jobs j ON j.batch_id = b.id
LEFT JOIN results r ON r.job_id = j.id
WHERE b.import_heartbeat IS NULL
GROUP BY b.id;

-- Per UTC day and model: answers the provider gave, their tokens and estimated cost (reused answers are
-- not the provider's).
DROP VIEW cost_by_model_day;
CREATE VIEW cost_by_model_day AS
SELECT date(r.created_at, 'unixepoch')  AS day,
       r.model                          AS model,
       COUNT(*)                         AS answers,
       SUM(r.prompt_tokens)             AS prompt_tokens,
       SUM(r.completion_tokens)         AS completion_tokens,
       ROUND(SUM(r.cost), 6)            AS cost_usd
FROM results r
WHERE r.reused_from IS NULL
GROUP BY day, model;

-- Reused answers by their source, for `stats` and for following a copy back.
CREATE INDEX results_reused_from ON results (reused_from) WHERE reused_from IS NOT NULL;

-- The estimator also learns how much of each model's prompts the provider reads from its cache: decayed
-- sums of cached and of all prompt tokens, so `plan` can expect a hit rate and the claim knows the
-- model caches even when the catalog does not say.
ALTER TABLE token_estimates ADD COLUMN cached_tokens REAL NOT NULL DEFAULT 0;
ALTER TABLE token_estimates ADD COLUMN cache_prompt_tokens REAL NOT NULL DEFAULT 0;
