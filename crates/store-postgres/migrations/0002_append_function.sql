-- Adds leaves first_index, first_index + 1, ... to the Merkle tree, with every subtree each
-- one completes: a leaf with an odd index closes its pair, and so on up while the node just
-- made is a right child (RFC 9162: parent = SHA-256(0x01 || left || right)). The caller
-- holds the log_head lock, so every leaf before first_index is stored already.
--
-- Each left child made here is kept in memory for its right sibling, so a batch reads the
-- table only for siblings from earlier batches (at most one per level) and writes all its
-- nodes in one statement.
CREATE FUNCTION docket_tree_add(first_index bigint, leaves bytea[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    out_level smallint[] := '{}';
    out_n bigint[] := '{}';
    out_hash bytea[] := '{}';
    -- The newest left child made at each level (array index level + 1).
    last_n bigint[] := '{}';
    last_hash bytea[] := '{}';
    lvl int;
    idx bigint;
    h bytea;
    sibling bytea;
BEGIN
    FOR i IN 1 .. coalesce(array_length(leaves, 1), 0) LOOP
        lvl := 0;
        idx := first_index + i - 1;
        h := leaves[i];
        LOOP
            out_level := array_append(out_level, lvl::smallint);
            out_n := array_append(out_n, idx);
            out_hash := array_append(out_hash, h);
            IF idx % 2 = 0 THEN
                last_n[lvl + 1] := idx;
                last_hash[lvl + 1] := h;
                EXIT;
            END IF;
            IF last_n[lvl + 1] = idx - 1 THEN
                sibling := last_hash[lvl + 1];
            ELSE
                SELECT t.hash INTO sibling FROM tree t WHERE t.level = lvl AND t.n = idx - 1;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'the log''s tree has no node at level %, index %: run `docket verify`',
                        lvl, idx - 1 USING ERRCODE = 'data_corrupted';
                END IF;
                IF octet_length(sibling) <> 32 THEN
                    RAISE EXCEPTION 'a tree node at level % is not 32 bytes', lvl
                        USING ERRCODE = 'data_corrupted';
                END IF;
            END IF;
            h := sha256('\x01'::bytea || sibling || h);
            idx := idx / 2;
            lvl := lvl + 1;
        END LOOP;
    END LOOP;
    INSERT INTO tree (level, n, hash) SELECT * FROM unnest(out_level, out_n, out_hash);
END
$$;

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
    a_case text[], a_person text[], a_function text[], a_pos int[]
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
                       stage_due, review_due, open, active_measures)
    SELECT * FROM unnest(c_id, c_stage, c_category, c_received, c_entered, c_respondent,
                         c_stage_due, c_review_due, c_open, c_measures)
    ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, category = excluded.category,
        received_on = excluded.received_on, stage_entered_on = excluded.stage_entered_on,
        respondent = excluded.respondent, stage_due = excluded.stage_due,
        review_due = excluded.review_due, open = excluded.open,
        active_measures = excluded.active_measures
    WHERE (cases.stage, cases.category, cases.received_on, cases.stage_entered_on,
           cases.respondent, cases.stage_due, cases.review_due, cases.open, cases.active_measures)
      IS DISTINCT FROM
          (excluded.stage, excluded.category, excluded.received_on, excluded.stage_entered_on,
           excluded.respondent, excluded.stage_due, excluded.review_due, excluded.open,
           excluded.active_measures);

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
