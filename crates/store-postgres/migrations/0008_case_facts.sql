-- Each case's statistical facts (the stages it entered and when, its sanction, the clauses
-- charged, its measures' dates; no names or content), as JSON, so the published figures come
-- from read models. Rows written before this are NULL until the read models are rebuilt,
-- which the server does at start when it finds any.
ALTER TABLE cases ADD COLUMN facts TEXT;

-- docket_append gains the facts as its last argument; the old signature goes.
DROP FUNCTION docket_append(
    text[], bigint[], text[], bigint[], text[], text[], text[], text[], bytea[], bytea[],
    text[], text[], text[], text[], text[], text[], text[], text[], boolean[], bigint[],
    text[], text[], text[], int[], text[]);

-- One call appends a whole group of commands: it takes the log lock, checks that every
-- stream is at the version the commands were decided against, and writes the events, the
-- case rows and assignments, the events' leaves and the tree nodes they complete, and the
-- new log head. Called outside an explicit transaction, the call is its own transaction,
-- so a command costs one round trip to the server.
--
-- Each statement in this (volatile) function takes a fresh snapshot, so the version check
-- after the lock sees every commit made before it. If any version differs the function
-- writes nothing and returns -1; the caller then decides conflicts job by job.
CREATE FUNCTION docket_append(
    check_streams text[], check_versions bigint[],
    ev_stream text[], ev_version bigint[], ev_kind text[], ev_actor text[], ev_at text[], ev_payload text[],
    ev_salt bytea[], ev_leaf bytea[],
    c_id text[], c_stage text[], c_category text[], c_received text[], c_entered text[],
    c_respondent text[], c_stage_due text[], c_review_due text[], c_open boolean[], c_measures bigint[],
    a_case text[], a_person text[], a_function text[], a_pos int[],
    c_title text[], c_facts text[]
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head bigint;
    bad bigint;
BEGIN
    SELECT seq INTO head FROM log_head WHERE id = 1 FOR UPDATE;
    SELECT count(*) INTO bad
      FROM unnest(check_streams, check_versions) AS c(stream, expected)
     WHERE c.expected <> COALESCE((SELECT max(e.version) FROM events e WHERE e.stream = c.stream), 0);
    IF bad > 0 THEN
        RETURN -1;
    END IF;
    IF coalesce(array_length(ev_leaf, 1), 0) <> coalesce(array_length(ev_stream, 1), 0) THEN
        RAISE EXCEPTION 'docket_append was given % leaves for % events',
            coalesce(array_length(ev_leaf, 1), 0), coalesce(array_length(ev_stream, 1), 0);
    END IF;

    INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload, salt)
    SELECT head + t.ord, t.stream, t.version, t.kind, t.actor, t.at, t.payload, t.salt
      FROM unnest(ev_stream, ev_version, ev_kind, ev_actor, ev_at, ev_payload, ev_salt)
           WITH ORDINALITY AS t(stream, version, kind, actor, at, payload, salt, ord);
    -- The leaf of seq head + 1 is at index head.
    PERFORM docket_tree_add(head, ev_leaf);

    -- Most commands leave a case's summary as it was: such rows are not rewritten.
    INSERT INTO cases (id, stage, category, received_on, stage_entered_on, respondent,
                       stage_due, review_due, open, active_measures, title, facts)
    SELECT * FROM unnest(c_id, c_stage, c_category, c_received, c_entered, c_respondent,
                         c_stage_due, c_review_due, c_open, c_measures, c_title, c_facts)
    ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, category = excluded.category,
        received_on = excluded.received_on, stage_entered_on = excluded.stage_entered_on,
        respondent = excluded.respondent, stage_due = excluded.stage_due,
        review_due = excluded.review_due, open = excluded.open,
        active_measures = excluded.active_measures, title = excluded.title,
        facts = excluded.facts
    WHERE (cases.stage, cases.category, cases.received_on, cases.stage_entered_on,
           cases.respondent, cases.stage_due, cases.review_due, cases.open, cases.active_measures,
           cases.title, cases.facts)
      IS DISTINCT FROM
          (excluded.stage, excluded.category, excluded.received_on, excluded.stage_entered_on,
           excluded.respondent, excluded.stage_due, excluded.review_due, excluded.open,
           excluded.active_measures, excluded.title, excluded.facts);

    DELETE FROM assignments a
     WHERE a.case_id = ANY (c_id)
       AND NOT EXISTS (
           SELECT 1 FROM unnest(a_case, a_person, a_function) AS n(case_id, person, function)
            WHERE n.case_id = a.case_id AND n.person = a.person AND n.function = a.function);
    INSERT INTO assignments (case_id, person, function, pos)
    SELECT * FROM unnest(a_case, a_person, a_function, a_pos)
    ON CONFLICT (case_id, person, function) DO UPDATE SET pos = excluded.pos
    WHERE assignments.pos IS DISTINCT FROM excluded.pos;

    UPDATE log_head SET seq = head + coalesce(array_length(ev_stream, 1), 0) WHERE id = 1;
    RETURN head;
END
$$;
