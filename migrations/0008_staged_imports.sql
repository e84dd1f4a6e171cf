-- groqbatch schema, part 8: imports staged in short transactions, out of the workers' sight until whole.
--
-- `import` validates and writes a file in chunks of a few thousand lines, each its own transaction, so
-- workers keep claiming and recording while a million-line file goes in. The chunks go to a staging
-- batch that no claim, Batch API pass or `--via auto` decision reads: one whose `import_heartbeat` is
-- set (the time the import last wrote). When the whole file is in, one short transaction clears it (a
-- new batch), or moves the staged jobs into the batch named (`import_target`, an existing batch). A bad
-- file deletes its staging batch; an import that died leaves one whose heartbeat stops, and the next
-- import or worker deletes it.
ALTER TABLE batches ADD COLUMN import_heartbeat REAL;
ALTER TABLE batches ADD COLUMN import_target INTEGER;

-- Batches still being imported are not shown: their jobs may yet be withdrawn.
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
       COALESCE(SUM(r.prompt_tokens), 0)                     AS prompt_tokens,
       COALESCE(SUM(r.completion_tokens), 0)                 AS completion_tokens,
       datetime(MIN(j.created_at), 'unixepoch')              AS first_activity,
       datetime(MAX(j.updated_at), 'unixepoch')              AS last_activity,
       datetime(b.not_before, 'unixepoch')                   AS not_before,
       datetime(b.deadline, 'unixepoch')                     AS deadline
FROM batches b
LEFT JOIN jobs j ON j.batch_id = b.id
LEFT JOIN results r ON r.job_id = j.id
WHERE b.import_heartbeat IS NULL
GROUP BY b.id;
