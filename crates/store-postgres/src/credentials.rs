//! Accounts, tokens, receipts and sessions on PostgreSQL.
//!
//! Rows that change with an account event are written by the writer inside the append's
//! transaction (`write_locked` calls the `upsert_*` functions here). Operational state
//! (sign-in failures, recovery codes used, sessions) goes through a small pool of its own:
//! it has nothing to do with the log, so it neither waits for the log lock nor holds up
//! appends. Each operation is a single statement, so atomic on its own.

use crate::db_err;
use crate::rows::last_per_key;
use docket_domain::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, SessionRecord, SessionUpdate, Username,
};
use docket_domain::ids::PersonId;
use docket_domain::store::StoreError;
use docket_domain::store::codec::{AccountRow, ReceiptRow, SessionRow, TokenRow, format_ts};
use jiff::{SignedDuration, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

const ACCOUNT_COLUMNS: &str = "username, person, display_name, roles, member, password_hash, totp_secret, recovery_codes, disabled, failed_logins, locked_until, created_at";
const TOKEN_COLUMNS: &str =
    "token_id, secret_hash, username, scopes, label, created_at, revoked_at";
const RECEIPT_COLUMNS: &str = "code, case_id, passphrase_hash, failed, locked_until";
const SESSION_COLUMNS: &str = "id_hash, username, receipt_for, csrf_token, second_factor_done, created_at, expires_at, last_seen";

fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

fn lockout_end(now: Timestamp, lockout: SignedDuration) -> Result<String, StoreError> {
    now.checked_add(lockout)
        .map(format_ts)
        .map_err(|e| StoreError::Other(format!("lockout of {lockout:?} from {now}: {e}")))
}

// Written with an append, inside the writer's transaction. Accounts are few and change
// rarely, so one statement per row is fine.

/// Inserts each account, or updates it leaving the operational columns as they are.
pub(crate) async fn upsert_accounts(
    conn: &mut PgConnection,
    accounts: Vec<&Account>,
) -> Result<(), StoreError> {
    for a in last_per_key(accounts, |a| a.username.clone()) {
        let r = AccountRow::from_account(a);
        sqlx::query(
            "INSERT INTO accounts (username, person, display_name, roles, member, password_hash, totp_secret, recovery_codes, disabled, failed_logins, locked_until, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (username) DO UPDATE SET person = excluded.person,
               display_name = excluded.display_name, roles = excluded.roles,
               member = excluded.member, password_hash = excluded.password_hash,
               totp_secret = excluded.totp_secret, recovery_codes = excluded.recovery_codes,
               disabled = excluded.disabled",
        )
        .bind(r.username)
        .bind(r.person)
        .bind(r.display_name)
        .bind(r.roles)
        .bind(r.member)
        .bind(r.password_hash)
        .bind(r.totp_secret)
        .bind(r.recovery_codes)
        .bind(r.disabled)
        .bind(r.failed_logins)
        .bind(r.locked_until)
        .bind(r.created_at)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn upsert_tokens(
    conn: &mut PgConnection,
    tokens: Vec<&ApiTokenRecord>,
) -> Result<(), StoreError> {
    let rows = last_per_key(tokens.into_iter().map(TokenRow::from_record), |t| {
        t.token_id.clone()
    });
    if rows.is_empty() {
        return Ok(());
    }
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO api_tokens (token_id, secret_hash, username, scopes, label, created_at, revoked_at) ",
    );
    q.push_values(&rows, |mut b, r| {
        b.push_bind(&r.token_id)
            .push_bind(&r.secret_hash)
            .push_bind(&r.username)
            .push_bind(&r.scopes)
            .push_bind(&r.label)
            .push_bind(&r.created_at)
            .push_bind(&r.revoked_at);
    });
    q.push(
        " ON CONFLICT (token_id) DO UPDATE SET secret_hash = excluded.secret_hash,
          username = excluded.username, scopes = excluded.scopes, label = excluded.label,
          created_at = excluded.created_at, revoked_at = excluded.revoked_at",
    );
    q.build().execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// Inserts each receipt, or updates its case and passphrase leaving the failure count alone.
pub(crate) async fn upsert_receipts(
    conn: &mut PgConnection,
    receipts: Vec<&Receipt>,
) -> Result<(), StoreError> {
    let rows = last_per_key(receipts.into_iter().map(ReceiptRow::from_receipt), |r| {
        r.code.clone()
    });
    if rows.is_empty() {
        return Ok(());
    }
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO receipts (code, case_id, passphrase_hash, failed, locked_until) ",
    );
    q.push_values(&rows, |mut b, r| {
        b.push_bind(&r.code)
            .push_bind(&r.case_id)
            .push_bind(&r.passphrase_hash)
            .push_bind(r.failed)
            .push_bind(&r.locked_until);
    });
    q.push(
        " ON CONFLICT (code) DO UPDATE SET case_id = excluded.case_id,
          passphrase_hash = excluded.passphrase_hash",
    );
    q.build().execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

// Rows to domain values.

fn account_from(row: &PgRow) -> Result<Account, StoreError> {
    AccountRow {
        username: row.try_get("username").map_err(db_err)?,
        person: row.try_get("person").map_err(db_err)?,
        display_name: row.try_get("display_name").map_err(db_err)?,
        roles: row.try_get("roles").map_err(db_err)?,
        member: row.try_get("member").map_err(db_err)?,
        password_hash: row.try_get("password_hash").map_err(db_err)?,
        totp_secret: row.try_get("totp_secret").map_err(db_err)?,
        recovery_codes: row.try_get("recovery_codes").map_err(db_err)?,
        disabled: row.try_get("disabled").map_err(db_err)?,
        failed_logins: row.try_get("failed_logins").map_err(db_err)?,
        locked_until: row.try_get("locked_until").map_err(db_err)?,
        created_at: row.try_get("created_at").map_err(db_err)?,
    }
    .into_account()
}

fn token_from(row: &PgRow) -> Result<ApiTokenRecord, StoreError> {
    TokenRow {
        token_id: row.try_get("token_id").map_err(db_err)?,
        secret_hash: row.try_get("secret_hash").map_err(db_err)?,
        username: row.try_get("username").map_err(db_err)?,
        scopes: row.try_get("scopes").map_err(db_err)?,
        label: row.try_get("label").map_err(db_err)?,
        created_at: row.try_get("created_at").map_err(db_err)?,
        revoked_at: row.try_get("revoked_at").map_err(db_err)?,
    }
    .into_record()
}

fn receipt_from(row: &PgRow) -> Result<Receipt, StoreError> {
    ReceiptRow {
        code: row.try_get("code").map_err(db_err)?,
        case_id: row.try_get("case_id").map_err(db_err)?,
        passphrase_hash: row.try_get("passphrase_hash").map_err(db_err)?,
        failed: row.try_get("failed").map_err(db_err)?,
        locked_until: row.try_get("locked_until").map_err(db_err)?,
    }
    .into_receipt()
}

fn session_from(row: &PgRow) -> Result<SessionRecord, StoreError> {
    SessionRow {
        id_hash: row.try_get("id_hash").map_err(db_err)?,
        username: row.try_get("username").map_err(db_err)?,
        receipt_for: row.try_get("receipt_for").map_err(db_err)?,
        csrf_token: row.try_get("csrf_token").map_err(db_err)?,
        second_factor_done: row.try_get("second_factor_done").map_err(db_err)?,
        created_at: row.try_get("created_at").map_err(db_err)?,
        expires_at: row.try_get("expires_at").map_err(db_err)?,
        last_seen: row.try_get("last_seen").map_err(db_err)?,
    }
    .into_record()
}

// Reads, over the read pool.

pub(crate) async fn account_where(
    pool: &PgPool,
    column: &'static str,
    value: &str,
) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(sql(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {column} = $1"
    )))
    .bind(value)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(account_from).transpose()
}

pub(crate) async fn account_by_person(
    pool: &PgPool,
    person: &PersonId,
) -> Result<Option<Account>, StoreError> {
    account_where(pool, "person", person.as_str()).await
}

pub(crate) async fn accounts(pool: &PgPool) -> Result<Vec<Account>, StoreError> {
    let rows = sqlx::query(sql(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
    )))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(account_from).collect()
}

pub(crate) async fn api_token(
    pool: &PgPool,
    token_id: &str,
) -> Result<Option<ApiTokenRecord>, StoreError> {
    let row = sqlx::query(sql(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_id = $1"
    )))
    .bind(token_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(token_from).transpose()
}

pub(crate) async fn api_tokens(
    pool: &PgPool,
    username: &Username,
) -> Result<Vec<ApiTokenRecord>, StoreError> {
    let rows = sqlx::query(sql(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE username = $1 ORDER BY created_at, token_id"
    )))
    .bind(username.as_str())
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(token_from).collect()
}

pub(crate) async fn receipt(
    pool: &PgPool,
    code: &ReceiptCode,
) -> Result<Option<Receipt>, StoreError> {
    let row = sqlx::query(sql(format!(
        "SELECT {RECEIPT_COLUMNS} FROM receipts WHERE code = $1"
    )))
    .bind(code.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(receipt_from).transpose()
}

pub(crate) async fn session(
    pool: &PgPool,
    id_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionRecord>, StoreError> {
    let row = sqlx::query(sql(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1 AND expires_at > $2"
    )))
    .bind(id_hash)
    .bind(format_ts(now))
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.as_ref().map(session_from).transpose()
}

// Operational state, over the operations pool. Each is one statement: the row lock it takes
// makes concurrent calls on the same row queue up, each seeing the one before.

pub(crate) async fn record_login_failure(
    pool: &PgPool,
    username: &Username,
    now: Timestamp,
    max_failures: u32,
    lockout: SignedDuration,
) -> Result<Account, StoreError> {
    // In SET, column names mean the row as it was before this update.
    let row = sqlx::query(sql(format!(
        "UPDATE accounts SET
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE username = $1 RETURNING {ACCOUNT_COLUMNS}"
    )))
    .bind(username.as_str())
    .bind(i64::from(max_failures.max(1)))
    .bind(lockout_end(now, lockout)?)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("account {username}")))?;
    account_from(&row)
}

pub(crate) async fn record_receipt_failure(
    pool: &PgPool,
    code: &ReceiptCode,
    now: Timestamp,
    max_failures: u32,
    lockout: SignedDuration,
) -> Result<Receipt, StoreError> {
    let row = sqlx::query(sql(format!(
        "UPDATE receipts SET
           failed = CASE WHEN failed + 1 >= $2 THEN 0 ELSE failed + 1 END,
           locked_until = CASE WHEN failed + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE code = $1 RETURNING {RECEIPT_COLUMNS}"
    )))
    .bind(code.as_str())
    .bind(i64::from(max_failures.max(1)))
    .bind(lockout_end(now, lockout)?)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("receipt {code}")))?;
    receipt_from(&row)
}

pub(crate) async fn consume_recovery_code(
    pool: &PgPool,
    username: &Username,
    code_hash: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE accounts
            SET recovery_codes = array_to_string(array_remove(string_to_array(recovery_codes, ','), $2), ',')
          WHERE username = $1 AND $2 = ANY (string_to_array(recovery_codes, ','))",
    )
    .bind(username.as_str())
    .bind(code_hash)
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn use_totp_step(
    pool: &PgPool,
    username: &Username,
    step: u64,
) -> Result<bool, StoreError> {
    let step = i64::try_from(step)
        .map_err(|_| StoreError::Other(format!("TOTP step {step} is out of range")))?;
    let done = sqlx::query(
        "UPDATE accounts SET totp_last_step = $2
          WHERE username = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(username.as_str())
    .bind(step)
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn put_session(pool: &PgPool, s: &SessionRecord) -> Result<(), StoreError> {
    let r = SessionRow::from_record(s);
    sqlx::query(
        "INSERT INTO sessions (id_hash, username, receipt_for, csrf_token, second_factor_done, created_at, expires_at, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id_hash) DO UPDATE SET username = excluded.username,
           receipt_for = excluded.receipt_for, csrf_token = excluded.csrf_token,
           second_factor_done = excluded.second_factor_done, created_at = excluded.created_at,
           expires_at = excluded.expires_at, last_seen = excluded.last_seen",
    )
    .bind(r.id_hash)
    .bind(r.username)
    .bind(r.receipt_for)
    .bind(r.csrf_token)
    .bind(r.second_factor_done)
    .bind(r.created_at)
    .bind(r.expires_at)
    .bind(r.last_seen)
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn update_session(
    pool: &PgPool,
    id_hash: &str,
    u: SessionUpdate,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET second_factor_done = (second_factor_done OR $2), last_seen = $3, expires_at = $4 WHERE id_hash = $1",
    )
    .bind(id_hash)
    .bind(u.second_factor_done)
    .bind(format_ts(u.last_seen))
    .bind(format_ts(u.expires_at))
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected() > 0)
}

/// Runs one statement with one text argument and says how many rows it changed.
pub(crate) async fn execute(
    pool: &PgPool,
    statement: &'static str,
    arg: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query(statement)
        .bind(arg)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(done.rows_affected())
}
