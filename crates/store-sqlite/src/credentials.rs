//! Accounts, tokens, receipts and sessions on SQLite.
//!
//! Rows that change with an account event are written by the writer inside the append's
//! transaction (`write_job` calls the `upsert_*` functions here). Operational state (sign-in
//! failures, recovery codes used, sessions) is written by the writer too, since it holds the
//! only connection that may write, each operation in a transaction of its own. Reads go
//! through the read pool.

use crate::write::sqlite_err;
use docket_domain::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, SessionRecord, SessionUpdate, Username,
};
use docket_domain::store::StoreError;
use docket_domain::store::codec::{
    AccountRow, ReceiptRow, SessionRow, TokenRow, format_ts, without_recovery_code,
};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

const ACCOUNT_COLUMNS: &str = "username, person, display_name, roles, member, password_hash, totp_secret, recovery_codes, disabled, failed_logins, locked_until, created_at";
const TOKEN_COLUMNS: &str =
    "token_id, secret_hash, username, scopes, label, created_at, revoked_at";
const RECEIPT_COLUMNS: &str = "code, case_id, passphrase_hash, failed, locked_until";
const SESSION_COLUMNS: &str = "id_hash, username, receipt_for, csrf_token, second_factor_done, created_at, expires_at, last_seen";

fn not_found(what: &str, name: &str) -> StoreError {
    StoreError::NotFound(format!("{what} {name}"))
}

fn lockout_end(now: Timestamp, lockout: SignedDuration) -> Result<String, StoreError> {
    now.checked_add(lockout)
        .map(format_ts)
        .map_err(|e| StoreError::Other(format!("lockout of {lockout:?} from {now}: {e}")))
}

// Written with an append, inside the writer's transaction.

/// Inserts the account, or updates it leaving the operational columns as they are.
pub(crate) fn upsert_account(conn: &Connection, a: &Account) -> Result<(), StoreError> {
    let r = AccountRow::from_account(a);
    conn.prepare_cached(
        "INSERT INTO accounts (username, person, display_name, roles, member, password_hash, totp_secret, recovery_codes, disabled, failed_logins, locked_until, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (username) DO UPDATE SET person = excluded.person,
           display_name = excluded.display_name, roles = excluded.roles, member = excluded.member,
           password_hash = excluded.password_hash, totp_secret = excluded.totp_secret,
           recovery_codes = excluded.recovery_codes, disabled = excluded.disabled",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.username,
            r.person,
            r.display_name,
            r.roles,
            r.member,
            r.password_hash,
            r.totp_secret,
            r.recovery_codes,
            r.disabled,
            r.failed_logins,
            r.locked_until,
            r.created_at
        ])
    })
    .map_err(sqlite_err)?;
    Ok(())
}

pub(crate) fn upsert_token(conn: &Connection, t: &ApiTokenRecord) -> Result<(), StoreError> {
    let r = TokenRow::from_record(t);
    conn.prepare_cached(
        "INSERT INTO api_tokens (token_id, secret_hash, username, scopes, label, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (token_id) DO UPDATE SET secret_hash = excluded.secret_hash,
           username = excluded.username, scopes = excluded.scopes, label = excluded.label,
           created_at = excluded.created_at, revoked_at = excluded.revoked_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.token_id,
            r.secret_hash,
            r.username,
            r.scopes,
            r.label,
            r.created_at,
            r.revoked_at
        ])
    })
    .map_err(sqlite_err)?;
    Ok(())
}

/// Inserts the receipt, or updates its case and passphrase leaving the failure count alone.
pub(crate) fn upsert_receipt(conn: &Connection, receipt: &Receipt) -> Result<(), StoreError> {
    let r = ReceiptRow::from_receipt(receipt);
    conn.prepare_cached(
        "INSERT INTO receipts (code, case_id, passphrase_hash, failed, locked_until)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (code) DO UPDATE SET case_id = excluded.case_id,
           passphrase_hash = excluded.passphrase_hash",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.code,
            r.case_id,
            r.passphrase_hash,
            r.failed,
            r.locked_until
        ])
    })
    .map_err(sqlite_err)?;
    Ok(())
}

// Operational state: each call is one transaction on the writer's connection.

fn account_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        username: row.get(0)?,
        person: row.get(1)?,
        display_name: row.get(2)?,
        roles: row.get(3)?,
        member: row.get(4)?,
        password_hash: row.get(5)?,
        totp_secret: row.get(6)?,
        recovery_codes: row.get(7)?,
        disabled: row.get(8)?,
        failed_logins: row.get(9)?,
        locked_until: row.get(10)?,
        created_at: row.get(11)?,
    })
}

fn receipt_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReceiptRow> {
    Ok(ReceiptRow {
        code: row.get(0)?,
        case_id: row.get(1)?,
        passphrase_hash: row.get(2)?,
        failed: row.get(3)?,
        locked_until: row.get(4)?,
    })
}

fn begin(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_err)
}

/// The failure count after one more failure, and whether this one starts a lockout.
fn next_failure(failed: i64, max_failures: u32) -> (i64, bool) {
    let n = failed.saturating_add(1);
    if n >= i64::from(max_failures.max(1)) {
        (0, true)
    } else {
        (n, false)
    }
}

pub(crate) fn record_login_failure(
    conn: &mut Connection,
    username: &Username,
    now: Timestamp,
    max_failures: u32,
    lockout: SignedDuration,
) -> Result<Account, StoreError> {
    let until = lockout_end(now, lockout)?;
    let tx = begin(conn)?;
    let failed: Option<i64> = tx
        .prepare_cached("SELECT failed_logins FROM accounts WHERE username = ?1")
        .and_then(|mut s| s.query_row([username.as_str()], |r| r.get(0)).optional())
        .map_err(sqlite_err)?;
    let failed = failed.ok_or_else(|| not_found("account", username.as_str()))?;
    let (n, lock) = next_failure(failed, max_failures);
    tx.prepare_cached(
        "UPDATE accounts SET failed_logins = ?2, locked_until = CASE WHEN ?3 THEN ?4 ELSE locked_until END WHERE username = ?1",
    )
    .and_then(|mut s| s.execute(params![username.as_str(), n, lock, until]))
    .map_err(sqlite_err)?;
    let row = tx
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"
        ))
        .and_then(|mut s| s.query_row([username.as_str()], account_row))
        .map_err(sqlite_err)?;
    tx.commit().map_err(sqlite_err)?;
    row.into_account()
}

pub(crate) fn record_login_success(
    conn: &mut Connection,
    username: &Username,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE username = ?1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
    )
    .and_then(|mut s| s.execute([username.as_str()]))
    .map_err(sqlite_err)?;
    Ok(())
}

pub(crate) fn consume_recovery_code(
    conn: &mut Connection,
    username: &Username,
    code_hash: &str,
) -> Result<bool, StoreError> {
    let tx = begin(conn)?;
    let stored: Option<String> = tx
        .prepare_cached("SELECT recovery_codes FROM accounts WHERE username = ?1")
        .and_then(|mut s| s.query_row([username.as_str()], |r| r.get(0)).optional())
        .map_err(sqlite_err)?;
    let Some(kept) = stored.and_then(|s| without_recovery_code(&s, code_hash)) else {
        return Ok(false);
    };
    tx.prepare_cached("UPDATE accounts SET recovery_codes = ?2 WHERE username = ?1")
        .and_then(|mut s| s.execute(params![username.as_str(), kept]))
        .map_err(sqlite_err)?;
    tx.commit().map_err(sqlite_err)?;
    Ok(true)
}

pub(crate) fn use_totp_step(
    conn: &mut Connection,
    username: &Username,
    step: u64,
) -> Result<bool, StoreError> {
    let step = i64::try_from(step)
        .map_err(|_| StoreError::Other(format!("TOTP step {step} is out of range")))?;
    conn.prepare_cached(
        "UPDATE accounts SET totp_last_step = ?2
          WHERE username = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
    )
    .and_then(|mut s| s.execute(params![username.as_str(), step]))
    .map(|n| n == 1)
    .map_err(sqlite_err)
}

pub(crate) fn record_receipt_failure(
    conn: &mut Connection,
    code: &ReceiptCode,
    now: Timestamp,
    max_failures: u32,
    lockout: SignedDuration,
) -> Result<Receipt, StoreError> {
    let until = lockout_end(now, lockout)?;
    let tx = begin(conn)?;
    let failed: Option<i64> = tx
        .prepare_cached("SELECT failed FROM receipts WHERE code = ?1")
        .and_then(|mut s| s.query_row([code.as_str()], |r| r.get(0)).optional())
        .map_err(sqlite_err)?;
    let failed = failed.ok_or_else(|| not_found("receipt", code.as_str()))?;
    let (n, lock) = next_failure(failed, max_failures);
    tx.prepare_cached(
        "UPDATE receipts SET failed = ?2, locked_until = CASE WHEN ?3 THEN ?4 ELSE locked_until END WHERE code = ?1",
    )
    .and_then(|mut s| s.execute(params![code.as_str(), n, lock, until]))
    .map_err(sqlite_err)?;
    let row = tx
        .prepare_cached(&format!(
            "SELECT {RECEIPT_COLUMNS} FROM receipts WHERE code = ?1"
        ))
        .and_then(|mut s| s.query_row([code.as_str()], receipt_row))
        .map_err(sqlite_err)?;
    tx.commit().map_err(sqlite_err)?;
    row.into_receipt()
}

pub(crate) fn record_receipt_success(
    conn: &mut Connection,
    code: &ReceiptCode,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE receipts SET failed = 0, locked_until = NULL WHERE code = ?1 AND (failed <> 0 OR locked_until IS NOT NULL)")
        .and_then(|mut s| s.execute([code.as_str()]))
        .map_err(sqlite_err)?;
    Ok(())
}

pub(crate) fn put_session(conn: &mut Connection, s: &SessionRecord) -> Result<(), StoreError> {
    let r = SessionRow::from_record(s);
    conn.prepare_cached(
        "INSERT INTO sessions (id_hash, username, receipt_for, csrf_token, second_factor_done, created_at, expires_at, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id_hash) DO UPDATE SET username = excluded.username,
           receipt_for = excluded.receipt_for, csrf_token = excluded.csrf_token,
           second_factor_done = excluded.second_factor_done, created_at = excluded.created_at,
           expires_at = excluded.expires_at, last_seen = excluded.last_seen",
    )
    .and_then(|mut st| {
        st.execute(params![
            r.id_hash,
            r.username,
            r.receipt_for,
            r.csrf_token,
            r.second_factor_done,
            r.created_at,
            r.expires_at,
            r.last_seen
        ])
    })
    .map_err(sqlite_err)?;
    Ok(())
}

pub(crate) fn update_session(
    conn: &mut Connection,
    id_hash: &str,
    u: SessionUpdate,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "UPDATE sessions SET second_factor_done = (second_factor_done OR ?2), last_seen = ?3, expires_at = ?4 WHERE id_hash = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            id_hash,
            u.second_factor_done,
            format_ts(u.last_seen),
            format_ts(u.expires_at)
        ])
    })
    .map(|n| n > 0)
    .map_err(sqlite_err)
}

/// Runs one DELETE and says how many rows went.
pub(crate) fn delete(
    conn: &mut Connection,
    sql: &'static str,
    arg: String,
) -> Result<u64, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([arg]))
        .map(|n| n as u64)
        .map_err(sqlite_err)
}

// Reads, on a read-only connection (see `reader`).

fn account_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        username: r.get("username")?,
        person: r.get("person")?,
        display_name: r.get("display_name")?,
        roles: r.get("roles")?,
        member: r.get("member")?,
        password_hash: r.get("password_hash")?,
        totp_secret: r.get("totp_secret")?,
        recovery_codes: r.get("recovery_codes")?,
        disabled: r.get("disabled")?,
        failed_logins: r.get("failed_logins")?,
        locked_until: r.get("locked_until")?,
        created_at: r.get("created_at")?,
    })
}

fn token_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        token_id: r.get("token_id")?,
        secret_hash: r.get("secret_hash")?,
        username: r.get("username")?,
        scopes: r.get("scopes")?,
        label: r.get("label")?,
        created_at: r.get("created_at")?,
        revoked_at: r.get("revoked_at")?,
    })
}

/// The rows `sql` selects with `args`, each mapped by `row` and then decoded by `decode`.
fn select<T, R>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
    decode: impl Fn(R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_err)?;
    let rows = stmt
        .query_map(args, row)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<R>>>())
        .map_err(sqlite_err)?;
    rows.into_iter().map(decode).collect()
}

pub(crate) fn account_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {column} = ?1");
    Ok(select(conn, &sql, [value], account_from, AccountRow::into_account)?.pop())
}

pub(crate) fn accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username");
    select(conn, &sql, [], account_from, AccountRow::into_account)
}

pub(crate) fn api_token(
    conn: &Connection,
    token_id: &str,
) -> Result<Option<ApiTokenRecord>, StoreError> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_id = ?1");
    Ok(select(conn, &sql, [token_id], token_from, TokenRow::into_record)?.pop())
}

pub(crate) fn api_tokens(
    conn: &Connection,
    username: &Username,
) -> Result<Vec<ApiTokenRecord>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE username = ?1 ORDER BY created_at, token_id"
    );
    select(
        conn,
        &sql,
        [username.as_str()],
        token_from,
        TokenRow::into_record,
    )
}

pub(crate) fn receipt(
    conn: &Connection,
    code: &ReceiptCode,
) -> Result<Option<Receipt>, StoreError> {
    let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE code = ?1");
    let row = |r: &rusqlite::Row<'_>| {
        Ok(ReceiptRow {
            code: r.get("code")?,
            case_id: r.get("case_id")?,
            passphrase_hash: r.get("passphrase_hash")?,
            failed: r.get("failed")?,
            locked_until: r.get("locked_until")?,
        })
    };
    Ok(select(conn, &sql, [code.as_str()], row, ReceiptRow::into_receipt)?.pop())
}

pub(crate) fn session(
    conn: &Connection,
    id_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionRecord>, StoreError> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = ?1 AND expires_at > ?2");
    let row = |r: &rusqlite::Row<'_>| {
        Ok(SessionRow {
            id_hash: r.get("id_hash")?,
            username: r.get("username")?,
            receipt_for: r.get("receipt_for")?,
            csrf_token: r.get("csrf_token")?,
            second_factor_done: r.get("second_factor_done")?,
            created_at: r.get("created_at")?,
            expires_at: r.get("expires_at")?,
            last_seen: r.get("last_seen")?,
        })
    };
    let args = params![id_hash, format_ts(now)];
    Ok(select(conn, &sql, args, row, SessionRow::into_record)?.pop())
}
