//! Reads of the transparency log over the read pool: tree nodes for proofs and tiles, event
//! rows with their leaves for the verifier, and the kept checkpoints. (Checkpoints are
//! written by the writer task: read sessions refuse to write.)

use crate::db_err;
use docket_domain::store::{LogEntry, Node, StoreError, StoredCheckpoint};
use docket_tlog::Hash;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

/// Out-of-range numbers become one no row can have, so they read as absent.
fn db_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) async fn tree_nodes(pool: &PgPool, nodes: &[Node]) -> Result<Vec<Hash>, StoreError> {
    if nodes.is_empty() {
        return Ok(vec![]);
    }
    let levels: Vec<i16> = nodes.iter().map(|n| i16::from(n.level)).collect();
    let ns: Vec<i64> = nodes.iter().map(|n| db_int(n.n)).collect();
    // One statement, so one snapshot: the nodes of one proof never mix two tree sizes.
    let rows: Vec<Option<Vec<u8>>> = sqlx::query_scalar(
        "SELECT t.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS q(level, n, i)
           LEFT JOIN tree t ON t.level = q.level AND t.n = q.n
          ORDER BY q.i",
    )
    .bind(&levels)
    .bind(&ns)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    if rows.len() != nodes.len() {
        return Err(StoreError::Other(format!(
            "asked for {} tree nodes, got {} rows",
            nodes.len(),
            rows.len()
        )));
    }
    rows.into_iter()
        .zip(nodes)
        .map(|(h, node)| node.hash_from(h))
        .collect()
}

pub(crate) async fn leaf_count(pool: &PgPool) -> Result<u64, StoreError> {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(n) FROM tree WHERE level = 0")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(n.map_or(0, |n| n as u64 + 1))
}

pub(crate) async fn log_entries(
    pool: &PgPool,
    after: u64,
    limit: u32,
) -> Result<Vec<LogEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.seq, e.stream, e.version, e.kind, e.actor, e.recorded_at, e.salt, e.payload, e.erased, t.hash
           FROM events e LEFT JOIN tree t ON t.level = 0 AND t.n = e.seq - 1
          WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
    )
    .bind(db_int(after))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(log_entry).collect()
}

fn log_entry(r: &PgRow) -> Result<LogEntry, StoreError> {
    let leaf: Option<Vec<u8>> = r.try_get(9).map_err(db_err)?;
    Ok(LogEntry {
        seq: r.try_get::<i64, _>(0).map_err(db_err)? as u64,
        stream: r.try_get(1).map_err(db_err)?,
        version: r.try_get::<i64, _>(2).map_err(db_err)? as u64,
        kind: r.try_get(3).map_err(db_err)?,
        actor: r.try_get(4).map_err(db_err)?,
        recorded_at: r.try_get(5).map_err(db_err)?,
        salt: r.try_get(6).map_err(db_err)?,
        payload: r.try_get(7).map_err(db_err)?,
        erased: r.try_get(8).map_err(db_err)?,
        // A leaf of the wrong length can match nothing; it reads as absent.
        leaf: leaf.and_then(|l| l.try_into().ok()),
    })
}

pub(crate) async fn checkpoints_after(
    pool: &PgPool,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT size, note FROM checkpoints WHERE size > $1 ORDER BY size LIMIT $2")
            .bind(db_int(after))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
    Ok(rows.into_iter().map(checkpoint).collect())
}

pub(crate) async fn latest_checkpoint(
    pool: &PgPool,
) -> Result<Option<StoredCheckpoint>, StoreError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(pool)
            .await
            .map_err(db_err)?;
    Ok(row.map(checkpoint))
}

fn checkpoint((size, note): (i64, String)) -> StoredCheckpoint {
    StoredCheckpoint {
        size: size as u64,
        note,
    }
}
