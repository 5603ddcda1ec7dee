-- The last TOTP time step accepted for each account: a code is accepted once (RFC 6238
-- section 5.2), so a code seen over someone's shoulder or replayed from a log is refused.
-- Operational state, like failed_logins.
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER;
