//! Reads of the transparency log: tree nodes for proofs and tiles, event rows with their
//! leaves for the verifier, and the kept checkpoints.
//!
//! These go through rusqlite on the blocking pool rather than the async pool: a proof is a
//! handful of point reads that must stay well under a millisecond, and the verifier streams
//! every event, where a driver's per-row hop between threads would cost more than hashing.

use crate::write::sqlite_err;
use docket_domain::store::{Entry, LeafCheck, LogEntry, Node, StoreError, StoredCheckpoint};
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
                    // Reading through a memory map saves a copy of every page out of the OS
                    // cache, which the verifier pays for every page of the log.
                    c.pragma_update(None, "mmap_size", 1i64 << 30)
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
                out.push(node.hash_from(h)?);
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

    /// The verifier's read: each row's leaf is recomputed here from borrowed column values,
    /// so nothing is copied out of SQLite's pages, and the stored leaves come from one
    /// sequential scan of the tree rather than a lookup per event.
    pub(crate) async fn log_leaves(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<LeafCheck>, StoreError> {
        self.with(move |conn| {
            let tx = conn.unchecked_transaction().map_err(sqlite_err)?;
            let span = to.saturating_sub(from) as usize;
            let mut stored: Vec<Option<Hash>> = vec![None; span];
            {
                let mut leaves = tx
                    .prepare_cached("SELECT n, hash FROM tree WHERE level = 0 AND n >= ?1 AND n < ?2 ORDER BY n")
                    .map_err(sqlite_err)?;
                let mut rows = leaves.query(params![from as i64, to as i64]).map_err(sqlite_err)?;
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    let n = r.get::<_, i64>(0).map_err(sqlite_err)? as u64;
                    let hash = r.get_ref(1).map_err(sqlite_err)?.as_blob().ok().and_then(|b| <Hash>::try_from(b).ok());
                    if let Some(slot) = stored.get_mut((n - from) as usize) {
                        *slot = hash;
                    }
                }
            }
            let mut out = Vec::with_capacity(span);
            {
                let mut events = tx
                    .prepare_cached(
                        "SELECT seq, stream, version, kind, actor, recorded_at, salt, payload, erased FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
                    )
                    .map_err(sqlite_err)?;
                let mut rows = events.query(params![from as i64, to as i64]).map_err(sqlite_err)?;
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    let seq = r.get::<_, i64>(0).map_err(sqlite_err)? as u64;
                    let text = |i: usize| -> Result<&str, StoreError> {
                        r.get_ref(i)
                            .map_err(sqlite_err)?
                            .as_str()
                            .map_err(|e| StoreError::Corrupt(format!("event {seq}, column {i}: {e}")))
                    };
                    let salt = r
                        .get_ref(6)
                        .map_err(sqlite_err)?
                        .as_blob()
                        .map_err(|e| StoreError::Corrupt(format!("event {seq}'s salt: {e}")))?;
                    let entry = Entry {
                        stream: text(1)?,
                        version: r.get::<_, i64>(2).map_err(sqlite_err)? as u64,
                        kind: text(3)?,
                        actor: text(4)?,
                        recorded_at: text(5)?,
                        salt,
                        payload: text(7)?,
                    };
                    let erased: bool = r.get(8).map_err(sqlite_err)?;
                    let leaf = seq
                        .checked_sub(from + 1)
                        .and_then(|i| stored.get(i as usize).copied().flatten());
                    out.push(LeafCheck::new(seq, &entry, erased, leaf));
                }
            }
            tx.finish().map_err(sqlite_err)?;
            Ok(out)
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
