//! Append-only hash storage and proof generation (RFC 9162 §2.1.2–2.1.4).
//!
//! A log stores, for every appended leaf, the leaf hash plus the hashes of
//! the complete subtrees that leaf finishes. Those hashes are laid out in one
//! dense sequence (the "stored hash index", as in Go's `sumdb/tlog` and Crosby
//! & Wallach §3.3), so a database can keep them in a single append-only table
//! and every root or proof needs only O(log n) reads in one batch.

use crate::hash::{EMPTY_ROOT, Hash, hash_children, split_point};

/// Largest tree size the stored-hash functions accept. Keeps every stored
/// index (≈ 2·size) far away from `u64` overflow; a real log never gets close.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Errors from reading stored hashes, building proofs and handling tiles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The reader has no hash at this stored index.
    #[error("stored hash {0} is not available")]
    HashNotFound(u64),
    /// A [`HashReader`] broke its contract by returning the wrong number of hashes.
    #[error("hash reader returned {got} hashes for {want} indexes")]
    ReaderLength {
        /// Number of indexes requested.
        want: usize,
        /// Number of hashes returned.
        got: usize,
    },
    /// The caller's storage failed (database error and the like).
    #[error("hash storage failed")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A leaf index at or beyond the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// Consistency proofs need `0 < old_size <= new_size`.
    #[error("no consistency proof exists from size {old_size} to size {new_size}")]
    InvalidSizes {
        /// Older tree size.
        old_size: u64,
        /// Newer tree size.
        new_size: u64,
    },
    /// A tree size above [`MAX_TREE_SIZE`].
    #[error("tree size {0} exceeds the supported maximum")]
    TreeTooLarge(u64),
    /// Tile coordinates outside what the spec or the tree allows.
    #[error("invalid tile: {0}")]
    InvalidTile(&'static str),
    /// Tile bytes whose length is not `width * 32`.
    #[error("tile data has {got} bytes, expected {want}")]
    TileDataLength {
        /// Expected length.
        want: usize,
        /// Actual length.
        got: usize,
    },
    /// Hashes recomputed from tiles do not match the trusted root.
    #[error("tiles do not match the checkpoint root hash")]
    TileRootMismatch,
}

/// Source of previously stored hashes, addressed by stored hash index.
///
/// Implemented by callers over their database. `read_hashes` must return
/// exactly one hash per requested index, in request order, or an error.
/// Requests are sorted ascending, which helps range scans.
pub trait HashReader {
    /// Returns the hashes stored at `indexes`.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

/// An in-memory store: element `i` is the hash at stored index `i`.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|u| self.get(u))
                    .copied()
                    .ok_or(Error::HashNotFound(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

/// Hashes fetched ahead of a computation (say, in one database query), by stored index.
impl<S: std::hash::BuildHasher> HashReader for std::collections::HashMap<u64, Hash, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|i| self.get(i).copied().ok_or(Error::HashNotFound(*i)))
            .collect()
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// Position of the hash of the complete subtree `(level, n)` (the `n`-th
/// node at height `level`, covering leaves `[n·2^level, (n+1)·2^level)`)
/// in the dense stored-hash sequence.
///
/// Leaf `m` writes its own hash followed by the `trailing_ones(m)` parents it
/// completes, so leaf `m` starts at `2m − popcount(m)` and node `(level, n)`
/// sits `level` places after its last leaf `m = (n+1)·2^level − 1`.
///
/// Defined for `level < 63` and `(n+1)·2^level <= MAX_TREE_SIZE`; outside
/// that domain the result wraps and is meaningless (but never panics).
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    let last_leaf = n
        .wrapping_add(1)
        .wrapping_shl(u32::from(level))
        .wrapping_sub(1);
    leaf_start(last_leaf).wrapping_add(u64::from(level))
}

/// Stored index of leaf `m`'s own hash: `2m − popcount(m)`.
fn leaf_start(m: u64) -> u64 {
    m.wrapping_mul(2).wrapping_sub(u64::from(m.count_ones()))
}

/// Inverse of [`stored_hash_index`]: the `(level, n)` stored at `index`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // Work in u128 so no input can overflow. leaf_start(m) lies in
    // [2m − 64, 2m], so the leaf owning `index` is within 33 of index/2.
    let start = |m: u128| 2 * m - u128::from(m.count_ones());
    let index = u128::from(index);
    let mut m = index / 2;
    while start(m + 1) <= index {
        m += 1;
    }
    // `index - start(m)` is at most trailing_ones(m) < 64.
    let level = (index - start(m)) as u32;
    let n = ((m + 1) >> level) - 1;
    // n <= m <= index/2 + 33 < 2^64.
    (level as u8, n as u64)
}

/// Number of hashes stored for a tree of `size` leaves (also the stored
/// index at which the next leaf's hashes start).
pub fn stored_hash_count(size: u64) -> u64 {
    leaf_start(size)
}

/// The hashes to append when adding leaf `n` with `leaf_hash`: the leaf hash
/// followed by every subtree hash it completes, to be stored at consecutive
/// indexes starting at `stored_hash_index(0, n)`. Reads at most log₂ n
/// earlier hashes, in one call.
pub fn stored_hashes_for_leaf<R: HashReader + ?Sized>(
    n: u64,
    leaf_hash: Hash,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    if n >= MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge(n.saturating_add(1)));
    }
    // Each trailing one bit of n completes a subtree whose left sibling at
    // that level is (level, (n >> level) − 1). Higher levels are stored
    // earlier, so list them first to keep the request ascending.
    let completed = n.trailing_ones();
    let indexes: Vec<u64> = (0..completed)
        .rev()
        .map(|level| stored_hash_index(level as u8, (n >> level) - 1))
        .collect();
    let siblings = read_exact(reader, &indexes)?;
    let mut out = Vec::with_capacity(siblings.len() + 1);
    let mut h = leaf_hash;
    out.push(h);
    for sibling in siblings.iter().rev() {
        h = hash_children(sibling, &h);
        out.push(h);
    }
    Ok(out)
}

fn read_exact<R: HashReader + ?Sized>(reader: &R, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::ReaderLength {
            want: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// Appends the stored indexes of the maximal complete subtrees that make up
/// the leaf range `[lo, hi)`, left to right. For the ranges that occur in
/// RFC 9162 (aligned on the largest power of two not above their length) the
/// range's Merkle Tree Hash is these hashes folded from the right.
fn range_indexes(mut lo: u64, hi: u64, out: &mut Vec<u64>) {
    while lo < hi {
        let fits = (hi - lo).ilog2();
        let level = fits.min(lo.trailing_zeros());
        out.push(stored_hash_index(level as u8, lo >> level));
        lo += 1 << level;
    }
}

fn range_len(lo: u64, hi: u64) -> usize {
    let mut v = Vec::new();
    range_indexes(lo, hi, &mut v);
    v.len()
}

fn fold_right(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return EMPTY_ROOT;
    };
    iter.fold(*last, |acc, left| hash_children(left, &acc))
}

/// A proof or root described as leaf ranges whose hashes must be combined.
struct Plan {
    ranges: Vec<(u64, u64)>,
}

impl Plan {
    fn indexes(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for &(lo, hi) in &self.ranges {
            range_indexes(lo, hi, &mut out);
        }
        out
    }

    fn resolve<R: HashReader + ?Sized>(&self, reader: &R) -> Result<Vec<Hash>, Error> {
        let hashes = read_exact(reader, &self.indexes())?;
        let mut rest = hashes.as_slice();
        let mut out = Vec::with_capacity(self.ranges.len());
        for &(lo, hi) in &self.ranges {
            let (mine, tail) = rest.split_at(range_len(lo, hi));
            out.push(fold_right(mine));
            rest = tail;
        }
        Ok(out)
    }
}

fn check_size(size: u64) -> Result<(), Error> {
    if size > MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge(size));
    }
    Ok(())
}

fn inclusion_plan(size: u64, index: u64) -> Result<Plan, Error> {
    check_size(size)?;
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    // PATH(m, D[lo:hi]) recursion unrolled top-down; the audit path lists
    // siblings from the leaf upwards, so reverse at the end.
    let (mut lo, mut hi) = (0, size);
    let mut ranges = Vec::new();
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    Ok(Plan { ranges })
}

fn consistency_plan(old_size: u64, new_size: u64) -> Result<Plan, Error> {
    check_size(new_size)?;
    if old_size == 0 || old_size > new_size {
        return Err(Error::InvalidSizes { old_size, new_size });
    }
    // SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, unrolled top-down.
    let (mut lo, mut hi, mut m, mut whole) = (0, new_size, old_size, true);
    let mut ranges = Vec::new();
    loop {
        let n = hi - lo;
        if m == n {
            if !whole {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            m -= k;
            whole = false;
        }
    }
    ranges.reverse();
    Ok(Plan { ranges })
}

/// Stored indexes [`tree_hash`] reads for a tree of `size` (at most 1 + log₂ size).
/// Lets tile clients work out which tiles to fetch.
pub fn tree_hash_indexes(size: u64) -> Result<Vec<u64>, Error> {
    check_size(size)?;
    let mut out = Vec::new();
    range_indexes(0, size, &mut out);
    Ok(out)
}

/// Stored indexes [`prove_inclusion`] reads.
pub fn inclusion_proof_indexes(size: u64, index: u64) -> Result<Vec<u64>, Error> {
    Ok(inclusion_plan(size, index)?.indexes())
}

/// Stored indexes [`prove_consistency`] reads.
pub fn consistency_proof_indexes(old_size: u64, new_size: u64) -> Result<Vec<u64>, Error> {
    Ok(consistency_plan(old_size, new_size)?.indexes())
}

/// Merkle Tree Hash of the first `size` leaves, from stored hashes.
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, Error> {
    check_size(size)?;
    let plan = Plan {
        ranges: vec![(0, size)],
    };
    Ok(plan.resolve(reader)?.pop().unwrap_or(EMPTY_ROOT))
}

/// RFC 9162 §2.1.3.1 inclusion proof (audit path, leaf to root) for leaf
/// `index` in the tree of `size` leaves.
pub fn prove_inclusion<R: HashReader + ?Sized>(
    size: u64,
    index: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    inclusion_plan(size, index)?.resolve(reader)
}

/// RFC 9162 §2.1.4.1 consistency proof from `old_size` to `new_size`.
/// Equal sizes give the empty proof; `old_size == 0` is an error because
/// RFC 9162 defines no proof from the empty tree (everything extends it).
pub fn prove_consistency<R: HashReader + ?Sized>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    consistency_plan(old_size, new_size)?.resolve(reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{hash_leaf, root_from_leaves};

    fn build(n: u64) -> (Vec<Hash>, Vec<Hash>) {
        let mut stored = Vec::new();
        let mut leaves = Vec::new();
        for i in 0..n {
            let leaf = hash_leaf(&i.to_be_bytes());
            assert_eq!(stored.len() as u64, stored_hash_index(0, i));
            let new = stored_hashes_for_leaf(i, leaf, &stored).expect("append");
            stored.extend(new);
            leaves.push(leaf);
        }
        assert_eq!(stored.len() as u64, stored_hash_count(n));
        (stored, leaves)
    }

    #[test]
    fn stored_index_matches_go_layout() {
        // Level 0 at 0,1,3,4,7,8,10,11,15; level 1 at 2,5,9,12; level 2 at 6.
        let want = [
            (0, 0, 0),
            (0, 1, 1),
            (1, 0, 2),
            (0, 2, 3),
            (0, 3, 4),
            (1, 1, 5),
            (2, 0, 6),
        ];
        for (level, n, idx) in want {
            assert_eq!(stored_hash_index(level, n), idx);
            assert_eq!(split_stored_hash_index(idx), (level, n));
        }
        assert_eq!(stored_hash_index(0, 4), 7);
        assert_eq!(stored_hash_index(3, 0), 14);
    }

    #[test]
    fn split_inverts_every_small_index_and_huge_ones() {
        for idx in 0..5000u64 {
            let (l, n) = split_stored_hash_index(idx);
            assert_eq!(stored_hash_index(l, n), idx);
        }
        for idx in [u64::MAX, u64::MAX - 1, 1 << 63, MAX_TREE_SIZE * 2] {
            let _ = split_stored_hash_index(idx); // must not panic
        }
    }

    #[test]
    fn stored_nodes_are_subtree_roots() {
        let (stored, leaves) = build(100);
        for (idx, h) in stored.iter().enumerate() {
            let (level, n) = split_stored_hash_index(idx as u64);
            let lo = (n << level) as usize;
            let hi = ((n + 1) << level) as usize;
            assert_eq!(*h, root_from_leaves(&leaves[lo..hi]), "index {idx}");
        }
    }

    #[test]
    fn roots_and_proof_shapes() {
        let (stored, leaves) = build(70);
        for size in 0..=70u64 {
            let root = tree_hash(size, &stored).expect("root");
            assert_eq!(root, root_from_leaves(&leaves[..size as usize]));
            for i in 0..size {
                let p = prove_inclusion(size, i, &stored).expect("proof");
                crate::proof::verify_inclusion(&leaves[i as usize], i, size, &p, &root)
                    .expect("verifies");
            }
            for old in 1..=size {
                let p = prove_consistency(old, size, &stored).expect("proof");
                let old_root = root_from_leaves(&leaves[..old as usize]);
                crate::proof::verify_consistency(old, size, &p, &old_root, &root)
                    .expect("verifies");
            }
        }
    }

    #[test]
    fn bad_arguments_are_errors() {
        let (stored, _) = build(5);
        assert!(matches!(
            prove_inclusion(5, 5, &stored),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            prove_consistency(0, 5, &stored),
            Err(Error::InvalidSizes { .. })
        ));
        assert!(matches!(
            prove_consistency(6, 5, &stored),
            Err(Error::InvalidSizes { .. })
        ));
        assert!(matches!(tree_hash(6, &stored), Err(Error::HashNotFound(_))));
        assert!(matches!(
            tree_hash(u64::MAX, &stored),
            Err(Error::TreeTooLarge(_))
        ));
        assert_eq!(
            prove_consistency(5, 5, &stored).expect("empty"),
            Vec::<Hash>::new()
        );
    }

    struct Liar;
    impl HashReader for Liar {
        fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, Error> {
            Ok(vec![])
        }
    }

    #[test]
    fn short_reads_are_detected() {
        assert!(matches!(
            tree_hash(3, &Liar),
            Err(Error::ReaderLength { want: 2, got: 0 })
        ));
        assert!(matches!(
            stored_hashes_for_leaf(3, [0; 32], &Liar),
            Err(Error::ReaderLength { .. })
        ));
    }
}
