-- groqbatch schema, part 10: rows in, fields out.

-- The row a template import rendered the job from (a JSON object of its columns), so `export
-- --with-input` gives it back beside the answer. NULL for jobs imported as JSON lines.
ALTER TABLE jobs ADD COLUMN input TEXT CHECK (input IS NULL OR json_valid(input));

-- An answer to a request with a response_format, parsed and validated against its schema: the value as
-- JSON text. NULL when the request asked for no structure.
ALTER TABLE results ADD COLUMN parsed TEXT CHECK (parsed IS NULL OR json_valid(parsed));

-- The text of an answer that was not what the request asked for (not JSON, or not the schema), kept
-- with the attempt that got it, for diagnosis; also Groq's failed_generation on json_validate_failed.
ALTER TABLE attempts ADD COLUMN answer TEXT;

-- job_results gains the parsed answer and the input row; json_extract(parsed, '$.field') reads a field.
DROP VIEW job_results;
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
       j.id                                          AS job_id,
       r.parsed                                      AS parsed,
       j.input                                       AS input
FROM jobs j
JOIN batches b ON b.id = j.batch_id
LEFT JOIN results r ON r.job_id = j.id;
