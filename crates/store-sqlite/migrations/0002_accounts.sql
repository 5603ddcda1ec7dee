-- Accounts and their credentials. These are NOT read models: password hashes, second-factor
-- secrets, recovery codes, token hashes and receipt passphrases are kept out of the event
-- log on purpose, so the log cannot recreate them. Each row is written in the same
-- transaction as the event that records the change (the `accounts` stream, or a case's
-- intake for a receipt), and `docket rebuild` never drops these tables.
--
-- failed_logins / failed and locked_until, and the whole `sessions` table, are operational
-- state: changed without an event, as they change too often to log and are not case history.
CREATE TABLE accounts (
    username       TEXT PRIMARY KEY,
    person         TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    -- Role names, comma separated.
    roles          TEXT    NOT NULL,
    member         TEXT,
    -- Argon2id PHC string.
    password_hash  TEXT    NOT NULL,
    -- Base32 TOTP secret, once a second factor is enrolled.
    totp_secret    TEXT,
    -- Hex SHA-256 of each unused recovery code, comma separated.
    recovery_codes TEXT    NOT NULL,
    disabled       INTEGER NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    -- The public part of the token (docket_<token_id>_<secret>).
    token_id    TEXT PRIMARY KEY,
    -- Hex SHA-256 of the secret part.
    secret_hash TEXT NOT NULL,
    username    TEXT NOT NULL REFERENCES accounts (username),
    -- Scope names, comma separated.
    scopes      TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_tokens_username ON api_tokens (username);

-- An anonymous complainant's receipt. No foreign key to `cases`: that table is a read model
-- that a rebuild empties and refills.
CREATE TABLE receipts (
    code            TEXT PRIMARY KEY,
    case_id         TEXT    NOT NULL,
    -- Argon2id PHC string of the passphrase.
    passphrase_hash TEXT    NOT NULL,
    failed          INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT
);
CREATE INDEX receipts_case ON receipts (case_id);

CREATE TABLE sessions (
    -- Hex SHA-256 of the cookie value; the value itself is never stored.
    id_hash            TEXT PRIMARY KEY,
    username           TEXT REFERENCES accounts (username),
    receipt_for        TEXT,
    csrf_token         TEXT    NOT NULL,
    second_factor_done INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    expires_at         TEXT    NOT NULL,
    last_seen          TEXT    NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
