-- groqbatch schema, part 5: the provider's Batch API as an executor beside on-demand calls.

-- How a batch's jobs are run: 'on-demand' calls, the provider's Batch API (import --via batch-api), or
-- 'auto': on-demand for what the limits finish before the deadline, the Batch API for the rest.
ALTER TABLE batches ADD COLUMN via TEXT NOT NULL DEFAULT 'on-demand' CHECK (via IN ('on-demand', 'batch-api', 'auto'));
-- What happens to jobs an expired or cancelled remote batch left unanswered: back to on-demand, or failed.
ALTER TABLE batches ADD COLUMN remote_leftovers TEXT NOT NULL DEFAULT 'requeue' CHECK (remote_leftovers IN ('requeue', 'fail'));
-- The executor a job was given: 'on-demand' (an auto batch's share, or a remote batch's leftover sent
-- back) or 'batch-api' (an auto batch's share); NULL follows its batch.
ALTER TABLE jobs ADD COLUMN via TEXT CHECK (via IS NULL OR via IN ('on-demand', 'batch-api'));

-- One remote batch: an input file of jobs of one model, uploaded and run by the provider. Each step is
-- recorded before the next relies on it; `local_id` names the file and rides in the batch's metadata,
-- so a worker that crashed between a call and its record finds what it made instead of making it twice.
CREATE TABLE remote_batches (
    id                INTEGER PRIMARY KEY,
    local_id          TEXT NOT NULL UNIQUE,     -- gb-...: the input file's name and metadata.groqbatch_id
    provider          TEXT NOT NULL,            -- the API base URL
    batch_id          INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    model             TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('preparing', 'uploaded', 'submitted', 'collecting', 'done')),
    file_id           TEXT,                     -- the provider's input file, once uploaded
    remote_batch_id   TEXT,                     -- the provider's batch, once created
    remote_status     TEXT,                     -- validating, in_progress, ..., as last polled
    output_file_id    TEXT,
    error_file_id     TEXT,
    completion_window TEXT NOT NULL,            -- 24h .. 7d
    lines             INTEGER NOT NULL,
    answered          INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    left_over         INTEGER NOT NULL DEFAULT 0,
    worker_id         TEXT,                     -- the worker driving it, while its lease lasts
    lease_expires_at  REAL,
    next_poll_at      REAL NOT NULL DEFAULT 0,
    polls             INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL,
    finished_at       REAL
) STRICT;
CREATE INDEX remote_batches_open ON remote_batches (state) WHERE state <> 'done';

-- The service tier a job asks for (import --service-tier, or the line's own service_tier): flex jobs
-- spend on meters of their own (`model@flex`), which start at ten times the model's on-demand limits.
ALTER TABLE jobs ADD COLUMN service_tier TEXT CHECK (service_tier IS NULL OR service_tier IN ('flex', 'on_demand', 'auto'));
-- On a 498 (flex busy) a job of such a batch moves to on_demand instead of waiting for flex.
ALTER TABLE batches ADD COLUMN flex_fallback INTEGER NOT NULL DEFAULT 0;
