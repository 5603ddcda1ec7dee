-- Evidence files, named by the SHA-256 of their bytes (lowercase hex). NOT a read model: the
-- log holds each file's hash, not its bytes, so `docket rebuild` cannot recreate this table
-- and never drops it. A row is never updated: the same hash always names the same bytes, and
-- a reader re-hashes what it gets against the log, so a row altered behind Docket's back is
-- refused rather than served.
CREATE TABLE evidence_blobs (
    sha256 TEXT    PRIMARY KEY,
    size   INTEGER NOT NULL,
    bytes  BLOB    NOT NULL
);
