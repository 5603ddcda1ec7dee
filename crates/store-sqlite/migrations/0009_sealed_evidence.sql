-- Evidence sealed under per-case data keys (the server encrypts; this database never sees a
-- file's plaintext or an unwrapped key). Like evidence_blobs, NOT read models: the log holds
-- each file's hash, not its bytes, so `docket rebuild` neither drops nor recreates them.
-- An upload's sealed chunks live in a file of their own beside the database (docket.evidence/),
-- written once in order and made durable before the row below names them.
CREATE TABLE evidence_files (
    case_id    TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    media_type TEXT    NOT NULL,
    upload     TEXT    NOT NULL UNIQUE,
    chunks     INTEGER NOT NULL,
    nonce      BLOB    NOT NULL,
    PRIMARY KEY (case_id, sha256)
);

-- One data key per case, wrapped by the organisation key `key_id` names.
CREATE TABLE evidence_keys (
    case_id TEXT PRIMARY KEY,
    key_id  TEXT NOT NULL,
    wrapped BLOB NOT NULL
);
