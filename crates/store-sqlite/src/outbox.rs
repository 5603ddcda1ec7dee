//! The outbox (migrations/0006): queued and settled inside appends on the writer's
//! connection, claimed and retried there too (one writer, so a claim is never contended),
//! read with a point reader.

use crate::write::sqlite_err;
use docket_domain::command::Party;
use docket_domain::store::codec::format_ts;
use docket_domain::store::outbox::{OUTBOX_COLUMNS, OutboxColumns};
use docket_domain::store::{
    OutboxChange, OutboxCounts, OutboxFilter, OutboxRow, OutboxState, StoreError,
};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, params};

/// Applies an append's outbox changes, inside its transaction.
pub(crate) fn apply(
    conn: &Connection,
    at: Timestamp,
    changes: &[OutboxChange],
) -> Result<(), StoreError> {
    for change in changes {
        match change {
            OutboxChange::Queue(m) => {
                let now = format_ts(at);
                conn.prepare_cached(
                    "INSERT INTO outbox (case_id, notice, party, address, queued_at, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (case_id, notice) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        m.case.as_str(),
                        m.notice,
                        party(m.to),
                        m.address,
                        now
                    ])
                })
                .map_err(sqlite_err)?;
            }
            OutboxChange::Settle {
                id,
                state,
                attempts,
                error,
                at,
                address,
            } => {
                let at = format_ts(*at);
                let requeued = *state == OutboxState::Queued;
                let changed = conn
                    .prepare_cached(
                        "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4,
                           settled_at = CASE WHEN ?6 THEN NULL ELSE ?5 END,
                           next_attempt_at = CASE WHEN ?6 THEN ?5 ELSE next_attempt_at END,
                           claimed_until = NULL, address = COALESCE(?7, address)
                         WHERE id = ?1",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            *id as i64,
                            state.as_str(),
                            attempts,
                            error,
                            at,
                            requeued,
                            address
                        ])
                    })
                    .map_err(sqlite_err)?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("outbox message {id}")));
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn party(p: Party) -> &'static str {
    p.as_str()
}

fn columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxColumns> {
    Ok(OutboxColumns {
        id: r.get(0)?,
        case_id: r.get(1)?,
        notice: r.get(2)?,
        party: r.get(3)?,
        address: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        queued_at: r.get(7)?,
        next_attempt_at: r.get(8)?,
        claimed_until: r.get(9)?,
        last_error: r.get(10)?,
        settled_at: r.get(11)?,
    })
}

fn rows(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<OutboxRow>, StoreError> {
    let cols = stmt
        .query_map(params, columns)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(sqlite_err)?;
    cols.into_iter().map(OutboxColumns::into_row).collect()
}

pub(crate) fn claim(
    conn: &mut Connection,
    now: Timestamp,
    lease: SignedDuration,
    limit: u32,
) -> Result<Vec<OutboxRow>, StoreError> {
    let until = now
        .checked_add(lease)
        .map_err(|e| StoreError::Other(format!("a lease that long: {e}")))?;
    let now = format_ts(now);
    let sql = format!(
        "UPDATE outbox SET claimed_until = ?2
         WHERE id IN (SELECT id FROM outbox
                      WHERE state = 'queued' AND next_attempt_at <= ?1
                        AND (claimed_until IS NULL OR claimed_until <= ?1)
                      ORDER BY next_attempt_at, id LIMIT ?3)
         RETURNING {OUTBOX_COLUMNS}"
    );
    let tx = conn.transaction().map_err(sqlite_err)?;
    let mut claimed = {
        let mut stmt = tx.prepare_cached(&sql).map_err(sqlite_err)?;
        rows(&mut stmt, params![now, format_ts(until), limit])?
    };
    tx.commit().map_err(sqlite_err)?;
    claimed.sort_by_key(|r| (r.next_attempt_at, r.id));
    Ok(claimed)
}

pub(crate) fn retry_later(
    conn: &mut Connection,
    id: u64,
    attempts: u32,
    next: Timestamp,
    error: &str,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4,
               claimed_until = NULL
             WHERE id = ?1 AND state = 'queued'",
        )
        .and_then(|mut s| s.execute(params![id as i64, attempts, format_ts(next), error]))
        .map_err(sqlite_err)?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("queued outbox message {id}")));
    }
    Ok(())
}

pub(crate) fn list(conn: &Connection, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
    let states: Vec<&str> = if filter.states.is_empty() {
        OutboxState::ALL.iter().map(|s| s.as_str()).collect()
    } else {
        filter.states.iter().map(|s| s.as_str()).collect()
    };
    let marks = vec!["?"; states.len()].join(", ");
    let sql = format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state IN ({marks}) AND (? IS NULL OR case_id = ?)
         ORDER BY queued_at, id LIMIT ?"
    );
    let mut values: Vec<rusqlite::types::Value> = states
        .into_iter()
        .map(|s| rusqlite::types::Value::Text(s.to_string()))
        .collect();
    let case = filter
        .case
        .as_ref()
        .map(|c| rusqlite::types::Value::Text(c.to_string()))
        .unwrap_or(rusqlite::types::Value::Null);
    values.push(case.clone());
    values.push(case);
    values.push(rusqlite::types::Value::Integer(i64::from(filter.limit)));
    let mut stmt = conn.prepare_cached(&sql).map_err(sqlite_err)?;
    rows(&mut stmt, rusqlite::params_from_iter(values))
}

pub(crate) fn counts(conn: &Connection) -> Result<OutboxCounts, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT state, COUNT(*), SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), MIN(queued_at)
             FROM outbox GROUP BY state",
        )
        .map_err(sqlite_err)?;
    let found = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(sqlite_err)?;
    docket_domain::store::outbox::counts_from(found)
}
