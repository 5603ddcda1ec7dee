-- The event log is the source of truth; every other table is a read model that
-- `docket rebuild` can drop and recompute from it.
--
-- Text columns use the "C" collation so ordering and comparison are bytewise, as on SQLite,
-- whatever locale the database was created with: list order and read-model dumps must not
-- depend on the backend.

-- Payloads are TEXT, never JSONB: the transparency log hashes the exact bytes given.
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    stream      TEXT COLLATE "C" NOT NULL,
    version     BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    recorded_at TEXT COLLATE "C" NOT NULL,
    payload     TEXT NOT NULL,
    -- The random salt the event's leaf commits to, and whether the payload was erased
    -- (its leaf hash stays in `tree`).
    salt        BYTEA   NOT NULL,
    erased      BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (stream, version)
);

-- The last seq handed out. Every writing transaction locks this row first, so batches from
-- any number of processes commit one after another in seq order and the log has no gaps
-- (a SEQUENCE would leave holes when a transaction rolls back).
CREATE TABLE log_head (
    id  INT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO log_head (id, seq) VALUES (1, 0);

-- The transparency log's Merkle tree: the hash of every complete subtree, written in the
-- same transaction as the events it covers. Level 0 holds the leaf of event seq at
-- n = seq - 1. Any proof or tile needs O(log n) of these rows.
CREATE TABLE tree (
    level SMALLINT NOT NULL,
    n     BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, n)
);

-- Every signed checkpoint, kept: together they let anyone check the log only ever grew.
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL
);

CREATE TABLE cases (
    id               TEXT COLLATE "C" PRIMARY KEY,
    stage            TEXT COLLATE "C" NOT NULL,
    category         TEXT COLLATE "C" NOT NULL,
    received_on      TEXT COLLATE "C" NOT NULL,
    stage_entered_on TEXT COLLATE "C" NOT NULL,
    respondent       TEXT COLLATE "C" NOT NULL,
    stage_due        TEXT COLLATE "C",
    review_due       TEXT COLLATE "C",
    open             BOOLEAN NOT NULL,
    active_measures  BIGINT  NOT NULL
);
CREATE INDEX cases_stage ON cases (stage);
CREATE INDEX cases_stage_due ON cases (stage_due);
CREATE INDEX cases_review_due ON cases (review_due);

-- `pos` keeps each case's assignments in the order the summary lists them (SQLite gets
-- this from rowid).
CREATE TABLE assignments (
    case_id  TEXT COLLATE "C" NOT NULL,
    person   TEXT COLLATE "C" NOT NULL,
    function TEXT COLLATE "C" NOT NULL,
    pos      INT  NOT NULL,
    PRIMARY KEY (case_id, person, function)
);
CREATE INDEX assignments_person ON assignments (person);

CREATE TABLE members (
    number         TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    joined_on      TEXT COLLATE "C" NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    elected_office TEXT COLLATE "C",
    region         TEXT COLLATE "C"
);
