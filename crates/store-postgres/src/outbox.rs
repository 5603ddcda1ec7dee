//! The outbox (migrations/0007). Rows are queued and settled inside appends by the log's
//! writer; claims and retries go over the operational pool. A claim is one statement that
//! skips rows another server has locked, so several servers on one database share the
//! outbox without sending a message twice while its lease lasts.

use crate::db_err;
use docket_domain::store::codec::format_ts;
use docket_domain::store::outbox::{OUTBOX_COLUMNS, OutboxColumns, counts_from};
use docket_domain::store::{
    OutboxChange, OutboxCounts, OutboxFilter, OutboxRow, OutboxState, StoreError,
};
use jiff::{SignedDuration, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

/// Applies appends' outbox changes inside the writer's transaction.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    changes: Vec<(Timestamp, &OutboxChange)>,
) -> Result<(), StoreError> {
    for (at, change) in changes {
        match change {
            OutboxChange::Queue(m) => {
                sqlx::query(
                    "INSERT INTO outbox (case_id, notice, party, address, queued_at, next_attempt_at)
                     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (case_id, notice) DO NOTHING",
                )
                .bind(m.case.as_str())
                .bind(m.notice as i32)
                .bind(m.to.as_str())
                .bind(&m.address)
                .bind(format_ts(at))
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            }
            OutboxChange::Settle {
                id,
                state,
                attempts,
                error,
                at,
                address,
            } => {
                let changed = sqlx::query(
                    "UPDATE outbox SET state = $2, attempts = $3, last_error = $4,
                       settled_at = CASE WHEN $6 THEN NULL ELSE $5 END,
                       next_attempt_at = CASE WHEN $6 THEN $5 ELSE next_attempt_at END,
                       claimed_until = NULL, address = COALESCE($7, address)
                     WHERE id = $1",
                )
                .bind(*id as i64)
                .bind(state.as_str())
                .bind(*attempts as i32)
                .bind(error)
                .bind(format_ts(*at))
                .bind(*state == OutboxState::Queued)
                .bind(address)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("outbox message {id}")));
                }
            }
        }
    }
    Ok(())
}

fn row(r: &PgRow) -> Result<OutboxRow, StoreError> {
    let cols = OutboxColumns {
        id: r.try_get("id").map_err(db_err)?,
        case_id: r.try_get("case_id").map_err(db_err)?,
        notice: i64::from(r.try_get::<i32, _>("notice").map_err(db_err)?),
        party: r.try_get("party").map_err(db_err)?,
        address: r.try_get("address").map_err(db_err)?,
        state: r.try_get("state").map_err(db_err)?,
        attempts: i64::from(r.try_get::<i32, _>("attempts").map_err(db_err)?),
        queued_at: r.try_get("queued_at").map_err(db_err)?,
        next_attempt_at: r.try_get("next_attempt_at").map_err(db_err)?,
        claimed_until: r.try_get("claimed_until").map_err(db_err)?,
        last_error: r.try_get("last_error").map_err(db_err)?,
        settled_at: r.try_get("settled_at").map_err(db_err)?,
    };
    cols.into_row()
}

pub(crate) async fn claim(
    pool: &PgPool,
    now: Timestamp,
    lease: SignedDuration,
    limit: u32,
) -> Result<Vec<OutboxRow>, StoreError> {
    let until = now
        .checked_add(lease)
        .map_err(|e| StoreError::Other(format!("a lease that long: {e}")))?;
    let sql = format!(
        "UPDATE outbox SET claimed_until = $2
         WHERE id IN (SELECT id FROM outbox
                      WHERE state = 'queued' AND next_attempt_at <= $1
                        AND (claimed_until IS NULL OR claimed_until <= $1)
                      ORDER BY next_attempt_at, id LIMIT $3
                      FOR UPDATE SKIP LOCKED)
         RETURNING {OUTBOX_COLUMNS}"
    );
    // Only constant text is formatted in: the column list.
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(format_ts(now))
        .bind(format_ts(until))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    let mut claimed = found.iter().map(row).collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|r| (r.next_attempt_at, r.id));
    Ok(claimed)
}

pub(crate) async fn retry_later(
    pool: &PgPool,
    id: u64,
    attempts: u32,
    next: Timestamp,
    error: &str,
) -> Result<(), StoreError> {
    let changed = sqlx::query(
        "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4,
           claimed_until = NULL
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id as i64)
    .bind(attempts as i32)
    .bind(format_ts(next))
    .bind(error)
    .execute(pool)
    .await
    .map_err(db_err)?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("queued outbox message {id}")));
    }
    Ok(())
}

pub(crate) async fn list(
    pool: &PgPool,
    filter: &OutboxFilter,
) -> Result<Vec<OutboxRow>, StoreError> {
    let states: Vec<&str> = if filter.states.is_empty() {
        OutboxState::ALL.iter().map(|s| s.as_str()).collect()
    } else {
        filter.states.iter().map(|s| s.as_str()).collect()
    };
    let sql = format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state = ANY($1) AND ($2::text IS NULL OR case_id = $2)
         ORDER BY queued_at, id LIMIT $3"
    );
    // Only constant text is formatted in: the column list.
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&states)
        .bind(filter.case.as_ref().map(|c| c.to_string()))
        .bind(i64::from(filter.limit))
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    found.iter().map(row).collect()
}

pub(crate) async fn counts(pool: &PgPool) -> Result<OutboxCounts, StoreError> {
    let found: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT state, COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0)::bigint,
                MIN(queued_at)
         FROM outbox GROUP BY state",
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    counts_from(found)
}
