-- Case titles (the complaint's one-line summary) join the case read model, so the staff home
-- can search them; rows written before this are NULL until the read models are rebuilt,
-- which the server does at start when it finds any.
ALTER TABLE cases ADD COLUMN title TEXT;
