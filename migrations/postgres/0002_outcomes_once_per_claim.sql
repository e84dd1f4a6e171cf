-- groqbatch PostgreSQL schema, part 2: a call's outcome is applied once.
--
-- A commit whose acknowledgement is lost (the connection closes after the server committed) is written
-- again by the worker: the attempt was inserted again and the caps, meters and estimator settled twice.
-- An on-demand call's attempt now carries the claim that made it: with the call's start, it names the
-- call (one claim makes one call per job); the outcome transaction finds it and applies nothing more,
-- and the unique index makes a second row impossible. Batch API answers and older attempts have none.
ALTER TABLE attempts ADD COLUMN claim_token BIGINT;
CREATE UNIQUE INDEX attempts_claim ON attempts (job_id, claim_token, started_at) WHERE claim_token IS NOT NULL;
