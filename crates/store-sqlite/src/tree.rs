//! Writing the transparency log's tree: each leaf and every subtree it completes, in the
//! transaction that writes its event.

use crate::write::sqlite_err;
use docket_domain::store::Node;
use docket_tlog::{Hash, hash_children};
use rusqlite::{Connection, params};

/// The tree's right edge as this writer last wrote it: the newest node at each level.
/// Adding a leaf needs, at each level it climbs, the left sibling of the node it makes,
/// which is always the newest node written at that level, so the writer need not read the
/// tree back. An entry is only used when its index is exactly the one wanted; anything
/// else is read from the table.
#[derive(Debug, Default, Clone)]
pub(crate) struct Edge {
    newest: Vec<Option<(u64, Hash)>>,
}

impl Edge {
    pub(crate) fn clear(&mut self) {
        self.newest.clear();
    }

    fn get(&self, level: u8, n: u64) -> Option<Hash> {
        match self.newest.get(usize::from(level)) {
            Some(Some((m, hash))) if *m == n => Some(*hash),
            _ => None,
        }
    }

    fn set(&mut self, level: u8, n: u64, hash: Hash) {
        let level = usize::from(level);
        if self.newest.len() <= level {
            self.newest.resize(level + 1, None);
        }
        self.newest[level] = Some((n, hash));
    }
}

/// Stores leaf `index` and every subtree it completes: a leaf with an odd index closes its
/// pair, and so on up while the node just made is a right child. Two writes per leaf on
/// average, at consecutive ids after every node already stored.
pub(crate) fn add_leaf(
    conn: &Connection,
    edge: &mut Edge,
    index: u64,
    leaf: Hash,
) -> Result<(), docket_domain::store::StoreError> {
    let mut insert = conn
        .prepare_cached("INSERT INTO tree (id, hash) VALUES (?1, ?2)")
        .map_err(sqlite_err)?;
    let (mut level, mut n, mut hash) = (0u8, index, leaf);
    loop {
        // Read the left sibling before this node replaces it as the level's newest.
        let left = if n & 1 == 1 {
            Some(match edge.get(level, n - 1) {
                Some(h) => h,
                None => read_node(conn, level, n - 1)?,
            })
        } else {
            None
        };
        insert
            .execute(params![Node { level, n }.stored_index() as i64, &hash[..]])
            .map_err(sqlite_err)?;
        edge.set(level, n, hash);
        let Some(left) = left else { return Ok(()) };
        hash = hash_children(&left, &hash);
        n >>= 1;
        level += 1;
    }
}

fn read_node(
    conn: &Connection,
    level: u8,
    n: u64,
) -> Result<Hash, docket_domain::store::StoreError> {
    use docket_domain::store::StoreError;
    let stored: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM tree WHERE id = ?1")
        .and_then(|mut s| s.query_row([Node { level, n }.stored_index() as i64], |r| r.get(0)))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(sqlite_err)?;
    // Missing here means the tree lost rows: that is corruption, not a request for
    // something that does not exist yet.
    Node { level, n }.hash_from(stored).map_err(|e| match e {
        StoreError::NotFound(what) => {
            StoreError::Corrupt(format!("{what} is missing: run `docket verify`"))
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_tlog::{hash_leaf, root_from_leaves};

    fn tree_db() -> Connection {
        let conn = Connection::open_in_memory().expect("memory db");
        conn.execute_batch("CREATE TABLE tree (id INTEGER PRIMARY KEY, hash BLOB NOT NULL)")
            .expect("table");
        conn
    }

    fn stored(conn: &Connection, level: u8, n: u64) -> Hash {
        read_node(conn, level, n).expect("node")
    }

    /// With the edge cached, or holding only entries for other nodes, the same tree results.
    #[test]
    fn the_edge_is_a_cache_only() {
        let leaves: Vec<Hash> = (0u32..77).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        let (warm, cold) = (tree_db(), tree_db());
        let mut edge = Edge::default();
        for (i, leaf) in leaves.iter().enumerate() {
            add_leaf(&warm, &mut edge, i as u64, *leaf).expect("warm");
            let mut stale = Edge::default();
            stale.set(0, i as u64, [9; 32]);
            stale.set(1, i as u64 + 5, [9; 32]);
            add_leaf(&cold, &mut stale, i as u64, *leaf).expect("cold");
        }
        for (level, n) in [(0u8, 76u64), (3, 8), (6, 0)] {
            assert_eq!(stored(&warm, level, n), stored(&cold, level, n));
        }
        assert_eq!(stored(&warm, 6, 0), root_from_leaves(&leaves[..64]));
        // Dense: ids 0.. with no gaps, so each write went to the end of the table.
        let (count, max): (i64, i64) = warm
            .query_row("SELECT COUNT(*), MAX(id) FROM tree", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("count");
        assert_eq!(count as u64, docket_tlog::stored_hash_count(77));
        assert_eq!(max + 1, count);
        let missing = add_leaf(&tree_db(), &mut Edge::default(), 1, leaves[1]);
        assert!(matches!(
            missing,
            Err(docket_domain::store::StoreError::Corrupt(_))
        ));
    }
}
