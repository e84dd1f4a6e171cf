-- groqbatch schema, part 6: every claim of a job has a token of its own.
--
-- A lease can lapse while a call is still out (a stalled worker, a busy database); another worker then
-- claims the job again. The first claim's late answer must not settle or refund the second claim's
-- reservation, nor move the job. Claims write a fresh token here and outcomes carry the token of the
-- claim that made their call: transitions, settlements and refunds apply only when they match.
ALTER TABLE jobs ADD COLUMN claim_token INTEGER;
