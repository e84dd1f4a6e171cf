-- groqbatch schema, part 1: the job queue.
-- Times are REAL seconds since the Unix epoch (UTC): `datetime(created_at, 'unixepoch')` reads them.
-- JSON columns hold valid JSON text: `json_extract(request, '$.messages[0].content')` reads them.

-- One import of a JSONL file (or several imports into the same named batch).
CREATE TABLE batches (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,                -- the file last imported into it ('-' for standard input)
    models        TEXT NOT NULL DEFAULT '[]',   -- the default model chain, a JSON array, first = preferred
    max_tokens    INTEGER,                      -- the default output limit applied at import, if any
    priority      INTEGER NOT NULL DEFAULT 0,   -- the default job priority (higher runs first)
    not_before    REAL,                         -- no job of the batch starts before this time
    deadline      REAL,                         -- wanted finish time (informational until schedules exist)
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
) STRICT;

-- One prompt: the chat body to send, its model chain and its place in the queue.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    batch_id         INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    line             INTEGER NOT NULL,             -- line number in the imported file (export order)
    custom_id        TEXT NOT NULL,                -- the user's id, unique within the batch
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
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
    UNIQUE (batch_id, custom_id)
) STRICT;

-- The claim reads queued jobs in priority order, then age; the partial index holds exactly those.
CREATE INDEX jobs_claim_order ON jobs (priority DESC, id) WHERE status = 'queued';
-- An idle worker asks when the earliest queued job becomes runnable.
CREATE INDEX jobs_queued_wake ON jobs (next_attempt_at) WHERE status = 'queued';
-- Lease recovery reads running jobs by lease expiry.
CREATE INDEX jobs_running_leases ON jobs (lease_expires_at) WHERE status = 'running';
-- Status and export read a batch's jobs by status and in input order.
CREATE INDEX jobs_batch_status ON jobs (batch_id, status);
CREATE INDEX jobs_batch_line ON jobs (batch_id, line);

-- Every call made to a provider for a job, successful or not.
CREATE TABLE attempts (
    id                INTEGER PRIMARY KEY,
    job_id            INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    number            INTEGER NOT NULL,            -- 1 for the job's first call
    model             TEXT NOT NULL,
    worker_id         TEXT,
    started_at        REAL NOT NULL,
    finished_at       REAL NOT NULL,
    http_status       INTEGER,                     -- NULL when no response came (timeout, reset)
    outcome           TEXT NOT NULL
                      CHECK (outcome IN ('success', 'retry', 'fallback', 'permanent', 'fatal', 'abandoned')),
    error_code        TEXT,
    error_message     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    request_id        TEXT                         -- the provider's x_groq.id or x-request-id
) STRICT;
CREATE INDEX attempts_job ON attempts (job_id, number);
CREATE INDEX attempts_started ON attempts (started_at);

-- One row per succeeded job, written in the same transaction that marks it succeeded.
CREATE TABLE results (
    job_id            INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    model             TEXT NOT NULL,               -- the model that answered
    content           TEXT,                        -- choices[0].message.content
    finish_reason     TEXT,                        -- stop, length, tool_calls
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    total_tokens      INTEGER NOT NULL,
    queue_time        REAL,                        -- seconds, as Groq reports them
    prompt_time       REAL,
    completion_time   REAL,
    total_time        REAL,
    response_id       TEXT,                        -- the completion id, chatcmpl-...
    request_id        TEXT,                        -- Groq's x_groq.id, req_...
    raw_response      TEXT NOT NULL CHECK (json_valid(raw_response)),
    created_at        REAL NOT NULL
) STRICT;
CREATE INDEX results_created ON results (created_at);

-- Worker processes, registered at start and kept alive by heartbeats.
CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    stopped_at   REAL
) STRICT;

-- A counter bumped by every change that may make work runnable; idle workers poll it cheaply.
CREATE TABLE queue_changes (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL
) STRICT;
INSERT INTO queue_changes (id, counter) VALUES (1, 0);

-- Views for people with sqlite3.

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

-- Per batch: jobs by status, tokens spent, first and last activity.
CREATE VIEW batch_progress AS
SELECT b.name                                                AS batch,
       COUNT(j.id)                                           AS total,
       COALESCE(SUM(j.status = 'queued'), 0)                 AS queued,
       COALESCE(SUM(j.status = 'running'), 0)                AS running,
       COALESCE(SUM(j.status = 'succeeded'), 0)              AS succeeded,
       COALESCE(SUM(j.status = 'failed'), 0)                 AS failed,
       COALESCE(SUM(j.status = 'cancelled'), 0)              AS cancelled,
       COALESCE(SUM(r.prompt_tokens), 0)                     AS prompt_tokens,
       COALESCE(SUM(r.completion_tokens), 0)                 AS completion_tokens,
       datetime(MIN(j.created_at), 'unixepoch')              AS first_activity,
       datetime(MAX(j.updated_at), 'unixepoch')              AS last_activity
FROM batches b
LEFT JOIN jobs j ON j.batch_id = b.id
LEFT JOIN results r ON r.job_id = j.id
GROUP BY b.id;

-- Per model and UTC day: calls, successes, failures and tokens, from the attempts log.
CREATE VIEW usage_by_model_day AS
SELECT date(a.started_at, 'unixepoch')          AS day,
       a.model                                  AS model,
       COUNT(*)                                 AS requests,
       SUM(a.outcome = 'success')               AS succeeded,
       SUM(a.outcome <> 'success')              AS errors,
       COALESCE(SUM(a.prompt_tokens), 0)        AS prompt_tokens,
       COALESCE(SUM(a.completion_tokens), 0)    AS completion_tokens
FROM attempts a
GROUP BY day, model;
