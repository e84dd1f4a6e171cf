-- groqbatch schema, part 11: prompt-cache hits.

-- Prompt tokens the provider read from its prompt cache (usage.prompt_tokens_details.cached_tokens):
-- billed at half the input price and not counted against tokens per minute. NULL when not reported.
ALTER TABLE attempts ADD COLUMN cached_tokens INTEGER;
ALTER TABLE results ADD COLUMN cached_tokens INTEGER;

-- call_stats gains the cached tokens of each call (the stats view reads it through `*`).
DROP VIEW call_stats;
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
       r.cost                                 AS cost,
       a.cached_tokens                        AS cached_tokens
FROM attempts a
JOIN jobs j ON j.id = a.job_id
JOIN batches b ON b.id = j.batch_id
LEFT JOIN results r ON r.job_id = a.job_id AND a.outcome = 'success';
