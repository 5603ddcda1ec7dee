//! Reads of the transparency log: tree nodes for proofs and tiles, event rows with their
//! leaves for the verifier, and the kept checkpoints.
//!
//! These go through rusqlite on the blocking pool rather than the async pool: a proof is a
//! handful of point reads that must stay well under a millisecond, and the verifier streams
//! every event, where a driver's per-row hop between threads would cost more than hashing.

use crate::write::sqlite_err;
use docket_domain::store::{LogEntry, Node, StoreError, StoredCheckpoint};
use docket_tlog::Hash;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) struct LogReader {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

/// Idle read connections kept for reuse.
const IDLE: usize = 4;

impl LogReader {
    pub(crate) fn new(path: PathBuf) -> LogReader {
        LogReader {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs `f` on a read-only connection on the blocking pool.
    async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match this.idle.lock().ok().and_then(|mut v| v.pop()) {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &this.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(sqlite_err)?;
                    c.busy_timeout(Duration::from_secs(10))
                        .map_err(sqlite_err)?;
                    c
                }
            };
            let result = f(&conn);
            if let Ok(mut idle) = this.idle.lock()
                && idle.len() < IDLE
            {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("a log read stopped: {e}")))?
    }

    pub(crate) async fn tree_nodes(&self, nodes: Vec<Node>) -> Result<Vec<Hash>, StoreError> {
        self.with(move |conn| {
            // One snapshot for all of them.
            let tx = conn.unchecked_transaction().map_err(sqlite_err)?;
            let mut stmt = tx
                .prepare_cached("SELECT hash FROM tree WHERE level = ?1 AND n = ?2")
                .map_err(sqlite_err)?;
            let mut out = Vec::with_capacity(nodes.len());
            for node in &nodes {
                let h: Option<Vec<u8>> = stmt
                    .query_row(params![node.level, node.n as i64], |r| r.get(0))
                    .optional()
                    .map_err(sqlite_err)?;
                out.push(to_hash(h, node)?);
            }
            drop(stmt);
            tx.finish().map_err(sqlite_err)?;
            Ok(out)
        })
        .await
    }

    pub(crate) async fn leaf_count(&self) -> Result<u64, StoreError> {
        self.with(|conn| {
            let n: Option<i64> = conn
                .query_row("SELECT MAX(n) FROM tree WHERE level = 0", [], |r| r.get(0))
                .map_err(sqlite_err)?;
            Ok(n.map(|n| n as u64 + 1).unwrap_or(0))
        })
        .await
    }

    pub(crate) async fn log_entries(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<LogEntry>, StoreError> {
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT e.seq, e.stream, e.version, e.kind, e.actor, e.recorded_at, e.salt, e.payload, e.erased, t.hash
                       FROM events e LEFT JOIN tree t ON t.level = 0 AND t.n = e.seq - 1
                      WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
                )
                .map_err(sqlite_err)?;
            let rows = stmt
                .query_map(params![after as i64, i64::from(limit)], |r| {
                    let leaf: Option<Vec<u8>> = r.get(9)?;
                    Ok(LogEntry {
                        seq: r.get::<_, i64>(0)? as u64,
                        stream: r.get(1)?,
                        version: r.get::<_, i64>(2)? as u64,
                        kind: r.get(3)?,
                        actor: r.get(4)?,
                        recorded_at: r.get(5)?,
                        salt: r.get(6)?,
                        payload: r.get(7)?,
                        erased: r.get(8)?,
                        // A leaf of the wrong length can match nothing; it reads as absent.
                        leaf: leaf.and_then(|l| l.try_into().ok()),
                    })
                })
                .map_err(sqlite_err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sqlite_err)
        })
        .await
    }

    pub(crate) async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT size, note FROM checkpoints WHERE size > ?1 ORDER BY size LIMIT ?2",
                )
                .map_err(sqlite_err)?;
            let rows = stmt
                .query_map(params![after as i64, i64::from(limit)], checkpoint)
                .map_err(sqlite_err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sqlite_err)
        })
        .await
    }

    pub(crate) async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.with(|conn| {
            conn.prepare_cached("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
                .and_then(|mut s| s.query_row([], checkpoint).optional())
                .map_err(sqlite_err)
        })
        .await
    }
}

fn checkpoint(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: r.get::<_, i64>(0)? as u64,
        note: r.get(1)?,
    })
}

fn to_hash(h: Option<Vec<u8>>, node: &Node) -> Result<Hash, StoreError> {
    let missing = || {
        StoreError::NotFound(format!(
            "the log's tree node at level {}, index {}",
            node.level, node.n
        ))
    };
    h.ok_or_else(missing)?
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("tree node {node:?} is not 32 bytes")))
}
