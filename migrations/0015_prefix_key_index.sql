-- groqbatch schema, part 15: jobs found by their prompt's prefix.
--
-- A claim asks whether a candidate's prefix is warm, or being warmed, only when another job shares it:
-- a prefix no other job has holds nothing back and waits for nothing. This index answers "does another
-- job have this prefix" without a scan, so a queue of distinct prompts costs a claim no query per job.
CREATE INDEX jobs_prefix_key ON jobs (prefix_key) WHERE prefix_key IS NOT NULL;
