-- groqbatch schema, part 3: schedules and costs. A batch's deadline now takes effect: queued jobs of a batch
-- whose deadline has passed become 'expired' (not failed). SQLite cannot change a CHECK constraint in
-- place, so `jobs` is rebuilt the way SQLite documents (https://sqlite.org/lang_altertable.html#otheralter):
-- the runner turns foreign keys off around this migration and runs `PRAGMA foreign_key_check` before commit.

DROP VIEW job_results;
DROP VIEW batch_progress;

CREATE TABLE jobs_rebuilt (
    id               INTEGER PRIMARY KEY,
    batch_id         INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    line             INTEGER NOT NULL,             -- line number in the imported file (export order)
    custom_id        TEXT NOT NULL,                -- the user's id, unique within the batch
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired')),
    priority         INTEGER NOT NULL DEFAULT 0,
    request          TEXT NOT NULL CHECK (json_valid(request)),  -- the chat body; `model` is set per attempt
    models           TEXT NOT NULL CHECK (json_valid(models)),   -- the fallback chain, a JSON array
    model_index      INTEGER NOT NULL DEFAULT 0,   -- the position in `models` the next attempt uses
    prompt_chars     INTEGER NOT NULL,             -- characters of message content, for token estimates
    max_tokens       INTEGER,                      -- the output limit in the body, if any
    attempts         INTEGER NOT NULL DEFAULT 0,   -- calls made for this job (lease expiries not counted)
    max_attempts     INTEGER NOT NULL DEFAULT 5,   -- calls allowed per model before moving on
    model_attempts   INTEGER NOT NULL DEFAULT 0,   -- calls made on the current model
    not_before       REAL,                         -- the batch's or import's start time, if any
    next_attempt_at  REAL NOT NULL DEFAULT 0,      -- not claimed before this time (backoff, not_before)
    lease_owner      TEXT,                         -- the worker holding a running job
    lease_expires_at REAL,                         -- when a running job returns to the queue if not renewed
    error_code       TEXT,                         -- the most recent error's code (provider's or groqbatch's)
    error_message    TEXT,                         -- the most recent error's message
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    finished_at      REAL,
    reserved_tokens  INTEGER NOT NULL DEFAULT 0,   -- held against the batch's and the day's caps while running
    reserved_cost    REAL NOT NULL DEFAULT 0,
    UNIQUE (batch_id, custom_id)
) STRICT;

INSERT INTO jobs_rebuilt (id, batch_id, line, custom_id, status, priority, request, models, model_index,
                          prompt_chars, max_tokens, attempts, max_attempts, model_attempts, not_before,
                          next_attempt_at, lease_owner, lease_expires_at, error_code, error_message,
                          created_at, updated_at, finished_at, reserved_tokens, reserved_cost)
SELECT id, batch_id, line, custom_id, status, priority, request, models, model_index,
       prompt_chars, max_tokens, attempts, max_attempts, model_attempts, not_before,
       next_attempt_at, lease_owner, lease_expires_at, error_code, error_message,
       created_at, updated_at, finished_at, reserved_tokens, reserved_cost
FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_rebuilt RENAME TO jobs;

CREATE INDEX jobs_claim_order ON jobs (priority DESC, id) WHERE status = 'queued';
CREATE INDEX jobs_queued_wake ON jobs (next_attempt_at) WHERE status = 'queued';
CREATE INDEX jobs_running_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_batch_status ON jobs (batch_id, status);
CREATE INDEX jobs_batch_line ON jobs (batch_id, line);

-- Batches with a deadline, for the expiry sweep every claim runs.
CREATE INDEX batches_deadline ON batches (deadline) WHERE deadline IS NOT NULL;

-- Each job with its prompt, its answer or its error, in input order.
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
       j.id                                          AS job_id
FROM jobs j
JOIN batches b ON b.id = j.batch_id
LEFT JOIN results r ON r.job_id = j.id;

-- Per batch: jobs by status, tokens spent, first and last activity, and its schedule.
CREATE VIEW batch_progress AS
SELECT b.name                                                AS batch,
       COUNT(j.id)                                           AS total,
       COALESCE(SUM(j.status = 'queued'), 0)                 AS queued,
       COALESCE(SUM(j.status = 'running'), 0)                AS running,
       COALESCE(SUM(j.status = 'succeeded'), 0)              AS succeeded,
       COALESCE(SUM(j.status = 'failed'), 0)                 AS failed,
       COALESCE(SUM(j.status = 'cancelled'), 0)              AS cancelled,
       COALESCE(SUM(j.status = 'expired'), 0)                AS expired,
       COALESCE(SUM(r.prompt_tokens), 0)                     AS prompt_tokens,
       COALESCE(SUM(r.completion_tokens), 0)                 AS completion_tokens,
       datetime(MIN(j.created_at), 'unixepoch')              AS first_activity,
       datetime(MAX(j.updated_at), 'unixepoch')              AS last_activity,
       datetime(b.not_before, 'unixepoch')                   AS not_before,
       datetime(b.deadline, 'unixepoch')                     AS deadline
FROM batches b
LEFT JOIN jobs j ON j.batch_id = b.id
LEFT JOIN results r ON r.job_id = j.id
GROUP BY b.id;

-- What each answer cost, estimated from the catalog's prices when it was recorded (NULL: no price known).
ALTER TABLE results ADD COLUMN cost REAL;

-- Per UTC day and model: answers, tokens and estimated cost, from the results.
CREATE VIEW cost_by_model_day AS
SELECT date(r.created_at, 'unixepoch')  AS day,
       r.model                          AS model,
       COUNT(*)                         AS answers,
       SUM(r.prompt_tokens)             AS prompt_tokens,
       SUM(r.completion_tokens)         AS completion_tokens,
       ROUND(SUM(r.cost), 6)            AS cost_usd
FROM results r
GROUP BY day, model;
