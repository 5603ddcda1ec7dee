-- Members' email addresses, where notices are sent (a member without one reads them in the
-- portal only).
ALTER TABLE members ADD COLUMN email TEXT;

-- The outbox: notices waiting to be emailed, queued in the same transaction as the event
-- that issued them. Not a read model (it holds addresses and retries, which the log does
-- not), so `docket rebuild` leaves it alone. Times are stored as the codec's fixed-width
-- RFC 3339 text, as events' are, which sorts as time does.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    case_id         TEXT    NOT NULL,
    notice          INTEGER NOT NULL,
    party           TEXT    NOT NULL CHECK (party IN ('complainant', 'respondent')),
    address         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued', 'sent', 'failed', 'bounced')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    queued_at       TEXT    NOT NULL,
    next_attempt_at TEXT    NOT NULL,
    claimed_until   TEXT,
    last_error      TEXT,
    settled_at      TEXT,
    UNIQUE (case_id, notice)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
