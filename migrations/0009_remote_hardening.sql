-- groqbatch schema, part 9: the Batch API, hardened.

-- What the jobs an expired (or provider-cancelled) remote batch left unanswered do next:
--   'requeue'   (the default) a new remote batch while the deadline leaves room for a whole window
--               (24 h), on-demand calls when it does not;
--   'on-demand' on-demand calls at once (full price, within the on-demand limits);
--   'fail'      failed, with the remote batch's reason.
-- It supersedes `remote_leftovers`, which is no longer read. Batches made before keep what they did.
ALTER TABLE batches ADD COLUMN if_remote_expires TEXT NOT NULL DEFAULT 'requeue'
    CHECK (if_remote_expires IN ('requeue', 'on-demand', 'fail'));
UPDATE batches SET if_remote_expires = CASE remote_leftovers WHEN 'fail' THEN 'fail' ELSE 'on-demand' END;

-- When a job's cap reservation (reserved_tokens, reserved_cost) was booked. Its settlement corrects the
-- usage of that UTC day, not of the day the answer came: a job in flight at midnight no longer moves
-- its difference to the new day.
ALTER TABLE jobs ADD COLUMN reserved_at REAL;
