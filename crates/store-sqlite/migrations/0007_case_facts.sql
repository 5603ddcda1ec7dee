-- Each case's statistical facts (the stages it entered and when, its sanction, the clauses
-- charged, its measures' dates; no names or content), as JSON, so the published figures come
-- from read models. Rows written before this are NULL until the read models are rebuilt,
-- which the server does at start when it finds any.
ALTER TABLE cases ADD COLUMN facts TEXT;
