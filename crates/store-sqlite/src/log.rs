//! Reads of the transparency log: tree nodes for proofs and tiles, event rows with their
//! leaves for the verifier, and the kept checkpoints.
//!
//! These go through rusqlite on the blocking pool rather than the async pool: a proof is a
//! handful of point reads that must stay well under a millisecond, and the verifier streams
//! every event, where a driver's per-row hop between threads would cost more than hashing.

use crate::reader::Readers;
use crate::write::sqlite_err;
use docket_domain::store::{
    Entry, LeafCheck, LogEntry, Node, StoreError, StoredCheckpoint, StoredLeaves,
};
use docket_tlog::{Hash, stored_hash_count};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone)]
pub(crate) struct LogReader {
    readers: Readers,
}

impl LogReader {
    pub(crate) fn new(readers: Readers) -> LogReader {
        LogReader { readers }
    }

    async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.readers.scan(f).await
    }

    pub(crate) async fn tree_nodes(&self, nodes: Vec<Node>) -> Result<Vec<Hash>, StoreError> {
        self.with(move |conn| {
            // One snapshot for all of them.
            let tx = conn.unchecked_transaction().map_err(sqlite_err)?;
            let mut stmt = tx
                .prepare_cached("SELECT hash FROM tree WHERE id = ?1")
                .map_err(sqlite_err)?;
            let mut out = Vec::with_capacity(nodes.len());
            for node in &nodes {
                let h: Option<Vec<u8>> = stmt
                    .query_row([node.stored_index() as i64], |r| r.get(0))
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
            let last: Option<i64> = conn
                .query_row("SELECT MAX(id) FROM tree", [], |r| r.get(0))
                .map_err(sqlite_err)?;
            // The newest node was written with the last leaf, which is the last one it covers.
            Ok(last
                .map(|id| {
                    let node = Node::at_stored_index(id as u64);
                    (node.n + 1) << node.level
                })
                .unwrap_or(0))
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
                    "SELECT seq, stream, version, kind, actor, recorded_at, salt, payload, erased
                       FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )
                .map_err(sqlite_err)?;
            let mut leaf_of = conn
                .prepare_cached("SELECT hash FROM tree WHERE id = ?1")
                .map_err(sqlite_err)?;
            let rows = stmt
                .query_map(params![after as i64, i64::from(limit)], |r| {
                    let seq = r.get::<_, i64>(0)?;
                    let leaf: Option<Vec<u8>> = match seq.checked_sub(1) {
                        Some(n) if n >= 0 => leaf_of
                            .query_row(
                                [Node {
                                    level: 0,
                                    n: n as u64,
                                }
                                .stored_index() as i64],
                                |r| r.get(0),
                            )
                            .optional()?,
                        _ => None,
                    };
                    Ok(LogEntry {
                        seq: seq as u64,
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
    /// so no row is copied into Rust values, and the stored leaves (when asked for) come from
    /// one sequential scan of the tree rather than a lookup per event.
    pub(crate) async fn log_leaves(
        &self,
        from: u64,
        to: u64,
        which: StoredLeaves,
    ) -> Result<Vec<LeafCheck>, StoreError> {
        self.with(move |conn| {
            let tx = conn.unchecked_transaction().map_err(sqlite_err)?;
            let span = to.saturating_sub(from) as usize;
            let mut stored: Vec<Option<Hash>> = match which {
                StoredLeaves::All => vec![None; span],
                StoredLeaves::ErasedOnly => Vec::new(),
            };
            if which == StoredLeaves::All {
                // Leaves `from..to` and the subtrees they complete are one run of ids; the
                // leaves are picked out of it by walking their ids alongside.
                let (start, end) = (stored_hash_count(from), stored_hash_count(to));
                let mut nodes = tx
                    .prepare_cached("SELECT id, hash FROM tree WHERE id >= ?1 AND id < ?2 ORDER BY id")
                    .map_err(sqlite_err)?;
                let mut rows = nodes.query(params![start as i64, end as i64]).map_err(sqlite_err)?;
                let mut n = from;
                while let Some(r) = rows.next().map_err(sqlite_err)? {
                    let id = r.get::<_, i64>(0).map_err(sqlite_err)? as u64;
                    while n < to && stored_hash_count(n) < id {
                        n += 1;
                    }
                    if n < to && stored_hash_count(n) == id {
                        stored[(n - from) as usize] = r
                            .get_ref(1)
                            .map_err(sqlite_err)?
                            .as_blob()
                            .ok()
                            .and_then(|b| <Hash>::try_from(b).ok());
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
                    // Bytes as stored: the hash does not need them checked as UTF-8.
                    let bytes = |i: usize| -> Result<&[u8], StoreError> {
                        r.get_ref(i)
                            .map_err(sqlite_err)?
                            .as_bytes()
                            .map_err(|e| StoreError::Corrupt(format!("event {seq}, column {i}: {e}")))
                    };
                    let entry = Entry {
                        stream: bytes(1)?,
                        version: r.get::<_, i64>(2).map_err(sqlite_err)? as u64,
                        kind: bytes(3)?,
                        actor: bytes(4)?,
                        recorded_at: bytes(5)?,
                        salt: bytes(6)?,
                        payload: bytes(7)?,
                    };
                    let erased: bool = r.get(8).map_err(sqlite_err)?;
                    let leaf = match which {
                        StoredLeaves::All => seq
                            .checked_sub(from + 1)
                            .and_then(|i| stored.get(i as usize).copied().flatten()),
                        StoredLeaves::ErasedOnly if erased => stored_leaf(&tx, seq)?,
                        StoredLeaves::ErasedOnly => None,
                    };
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

/// The stored leaf of event `seq`, if there is one.
fn stored_leaf(conn: &Connection, seq: u64) -> Result<Option<Hash>, StoreError> {
    let Some(n) = seq.checked_sub(1) else {
        return Ok(None);
    };
    let leaf: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM tree WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([Node { level: 0, n }.stored_index() as i64], |r| r.get(0))
                .optional()
        })
        .map_err(sqlite_err)?;
    Ok(leaf.and_then(|l| l.try_into().ok()))
}

fn checkpoint(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: r.get::<_, i64>(0)? as u64,
        note: r.get(1)?,
    })
}
