-- groqbatch schema, part 13: a batch id is never given twice.
--
-- Without AUTOINCREMENT SQLite gives a new row the largest id + 1, so the id of the newest batch, once
-- deleted, went to the next batch created: an import whose staging batch was deleted as abandoned
-- while it still ran wrote its remaining chunks under that id, into an unrelated batch (PostgreSQL's
-- identity columns never go back). `batches` is rebuilt with AUTOINCREMENT the way SQLite documents
-- (https://sqlite.org/lang_altertable.html#otheralter): the runner turns foreign keys off around it and
-- checks them before commit. `legacy_alter_table` lets the rename leave the views that read `batches`
-- as they are (they name the table, which exists again once the rename is done).
PRAGMA legacy_alter_table = ON;

CREATE TABLE batches_rebuilt (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    name                  TEXT NOT NULL UNIQUE,
    source                TEXT NOT NULL,                -- the file last imported into it ('-' for standard input)
    models                TEXT NOT NULL DEFAULT '[]',   -- the default model chain, a JSON array, first = preferred
    max_tokens            INTEGER,                      -- the default output limit applied at import, if any
    priority              INTEGER NOT NULL DEFAULT 0,   -- the default job priority (higher runs first)
    not_before            REAL,                         -- no job of the batch starts before this time
    deadline              REAL,                         -- the batch's jobs expire when queued past it
    created_at            REAL NOT NULL,
    updated_at            REAL NOT NULL,
    fallback_when_limited INTEGER NOT NULL DEFAULT 0,
    token_cap             INTEGER,
    cost_cap              REAL,
    spent_tokens          INTEGER NOT NULL DEFAULT 0,
    spent_cost            REAL NOT NULL DEFAULT 0,
    paused                TEXT,
    via                   TEXT NOT NULL DEFAULT 'on-demand' CHECK (via IN ('on-demand', 'batch-api', 'auto')),
    remote_leftovers      TEXT NOT NULL DEFAULT 'requeue' CHECK (remote_leftovers IN ('requeue', 'fail')),
    flex_fallback         INTEGER NOT NULL DEFAULT 0,
    import_heartbeat      REAL,                         -- set while an import stages into it (0: being deleted)
    import_target         INTEGER,
    if_remote_expires     TEXT NOT NULL DEFAULT 'requeue' CHECK (if_remote_expires IN ('requeue', 'on-demand', 'fail')),
    reuse                 TEXT NOT NULL DEFAULT 'batch' CHECK (reuse IN ('batch', 'all', 'off')),
    reuse_max_age         REAL
) STRICT;

INSERT INTO batches_rebuilt (id, name, source, models, max_tokens, priority, not_before, deadline, created_at, updated_at,
                             fallback_when_limited, token_cap, cost_cap, spent_tokens, spent_cost, paused, via,
                             remote_leftovers, flex_fallback, import_heartbeat, import_target, if_remote_expires, reuse,
                             reuse_max_age)
SELECT id, name, source, models, max_tokens, priority, not_before, deadline, created_at, updated_at,
       fallback_when_limited, token_cap, cost_cap, spent_tokens, spent_cost, paused, via,
       remote_leftovers, flex_fallback, import_heartbeat, import_target, if_remote_expires, reuse,
       reuse_max_age
FROM batches;

DROP TABLE batches;
ALTER TABLE batches_rebuilt RENAME TO batches;
PRAGMA legacy_alter_table = OFF;

CREATE INDEX batches_deadline ON batches (deadline) WHERE deadline IS NOT NULL;
