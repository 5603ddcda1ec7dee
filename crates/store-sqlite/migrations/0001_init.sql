-- The event log is the source of truth; every other table is a read model that
-- `docket rebuild` can drop and recompute from it. A case's full state is not stored at all:
-- it is folded from the case's events when needed.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    stream      TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    -- The random salt the event's leaf commits to, and whether the payload was erased
    -- (its leaf hash stays in `tree`).
    salt        BLOB    NOT NULL,
    erased      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (stream, version)
);

-- The transparency log's Merkle tree: the hash of every complete subtree, written in the
-- same transaction as the events it covers. `id` is the node's position in the dense
-- stored-hash layout of the tlog crate (`stored_hash_index`): leaf n (event seq n + 1) sits
-- at 2n - popcount(n), followed by the subtrees it completes. Every write therefore lands at
-- the end of this one B-tree, which keeps the pages a commit dirties few. Any proof or tile
-- needs O(log n) of these rows.
CREATE TABLE tree (
    id   INTEGER PRIMARY KEY,
    hash BLOB    NOT NULL
);

-- Every signed checkpoint, kept: together they let anyone check the log only ever grew.
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT    NOT NULL
);

CREATE TABLE cases (
    id               TEXT PRIMARY KEY,
    stage            TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    received_on      TEXT    NOT NULL,
    stage_entered_on TEXT    NOT NULL,
    respondent       TEXT    NOT NULL,
    stage_due        TEXT,
    review_due       TEXT,
    open             INTEGER NOT NULL,
    active_measures  INTEGER NOT NULL
);
CREATE INDEX cases_stage ON cases (stage);

CREATE TABLE assignments (
    case_id  TEXT NOT NULL,
    person   TEXT NOT NULL,
    function TEXT NOT NULL,
    PRIMARY KEY (case_id, person, function)
);
CREATE INDEX assignments_person ON assignments (person);

CREATE TABLE members (
    number         TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    joined_on      TEXT NOT NULL,
    status         TEXT NOT NULL,
    elected_office TEXT,
    region         TEXT
);
