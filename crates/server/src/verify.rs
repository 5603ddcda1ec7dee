//! `docket verify`: recomputes every leaf from the stored events and the tree from those
//! leaves, checks every kept checkpoint's signature, that each is consistent with the next,
//! and that the store still holds everything a checkpoint signed.
//!
//! Nothing the store says about itself is trusted: stored leaves are only used to say
//! *which* event changed, and to stand in for payloads that were erased on purpose.

use crate::transparency::prefetch;
use docket_domain::store::{LeafCheck, Store, StoreError, StoredCheckpoint};
use docket_tlog::{
    Checkpoint, Hash, Verifier, consistency_proof_indexes, hash_children, open_checkpoint,
    prove_consistency, verify_consistency,
};
use std::sync::Arc;

/// Events per store call, and how many calls run at once: on two cores, two ranges are read
/// and hashed in parallel while the tree is built from the one before.
const RANGE: u64 = 50_000;
const IN_FLIGHT: usize = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    /// Bytes of event entries hashed (the leaves' preimages).
    pub bytes: u64,
    pub erased: u64,
    pub checkpoints: u64,
    /// The tree's root over every event, base64.
    pub root: Hash,
    /// Everything found wrong, first problem first. Empty means the log verifies.
    pub problems: Vec<Problem>,
}

/// What is wrong, naming the first event sequence number concerned where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("event {seq} was removed (the events jump from {before} to {after})")]
    Removed { seq: u64, before: u64, after: u64 },
    #[error("event {seq} was altered: its content no longer matches its leaf in the tree")]
    Altered { seq: u64 },
    #[error("events {seq} and {other} were swapped: each matches the other's leaf")]
    Reordered { seq: u64, other: u64 },
    #[error(
        "event {seq} was inserted: it matches no leaf, and the event after it matches the leaf that belongs at {seq}"
    )]
    Inserted { seq: u64 },
    #[error("event {seq} is not in the tree: it was added to the store outside Docket")]
    NotInTree { seq: u64 },
    #[error("event {seq}'s payload is marked erased but its leaf is missing")]
    ErasedWithoutLeaf { seq: u64 },
    #[error(
        "the log is truncated: the store holds {held} events but a checkpoint was signed for {signed}; events {first}..={signed} were removed",
        first = held + 1
    )]
    Truncated { held: u64, signed: u64 },
    #[error(
        "the tree holds {leaves} leaves but the store only {held} events: events after {held} were removed"
    )]
    LeavesWithoutEvents { leaves: u64, held: u64 },
    #[error(
        "the checkpoint for size {size} is not signed by the log's key {key}: {reason} (was the signing key replaced?)"
    )]
    BadSignature {
        size: u64,
        key: String,
        reason: String,
    },
    #[error(
        "the checkpoint for size {to} is not consistent with the one for size {from}: {reason}"
    )]
    Inconsistent { from: u64, to: u64, reason: String },
    #[error("the checkpoint kept for size {size} says it is for size {says}")]
    Mislabelled { size: u64, says: u64 },
    #[error(
        "the first {size} events no longer match the checkpoint signed for them{}",
        since.map(|s| format!(": the change is among events {}..={size}", s + 1)).unwrap_or_default()
    )]
    RootMismatch { size: u64, since: Option<u64> },
}

impl Problem {
    /// The event sequence number the problem points at, if it points at one.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Problem::Removed { seq, .. }
            | Problem::Altered { seq }
            | Problem::Reordered { seq, .. }
            | Problem::Inserted { seq }
            | Problem::NotInTree { seq }
            | Problem::ErasedWithoutLeaf { seq } => Some(*seq),
            Problem::Truncated { held, .. } => Some(held + 1),
            Problem::RootMismatch { since, .. } => Some(since.unwrap_or(0) + 1),
            _ => None,
        }
    }
}

/// The tree's right edge: the roots of its perfect subtrees, largest first. Enough to
/// append a leaf and to compute the root at the current size, in O(log n) memory.
#[derive(Debug, Default)]
struct Frontier {
    size: u64,
    /// (height, hash)
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(h, left)) = self.stack.last() {
            if h != node.0 {
                break;
            }
            self.stack.pop();
            node = (h + 1, hash_children(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return docket_tlog::EMPTY_ROOT;
        };
        for (_, left) in it {
            acc = hash_children(left, &acc);
        }
        acc
    }
}

/// A kept checkpoint whose signature verified: the size and root it vouches for.
#[derive(Debug, Clone, Copy)]
struct Signed {
    size: u64,
    root: Hash,
}

/// Verifies the whole log. `progress` is told how many events have been checked.
pub async fn verify(
    store: &Arc<dyn Store>,
    key: &Verifier,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let signed = check_signatures(store.as_ref(), key, &mut report).await?;
    check_consistency(store.as_ref(), &signed, &mut report).await;
    let mut pending_checkpoints = signed.iter().peekable();
    let mut last_agreeing: Option<u64> = None;
    let mut tree = Frontier::default();
    let mut expected_seq = 1u64;
    let mut first_event_problem = false;

    // Ranges of events are read (and their leaves recomputed) on the blocking pool, several
    // at once, while this task folds the leaves into the tree in order.
    let head = store.head().await?;
    let mut ranges = (0..head)
        .step_by(RANGE as usize)
        .map(|from| (from, (from + RANGE).min(head)));
    let mut inflight = std::collections::VecDeque::new();
    let mut tail_read = false;
    loop {
        while inflight.len() < IN_FLIGHT {
            let s = store.clone();
            match ranges.next() {
                Some((from, to)) => {
                    inflight.push_back(tokio::spawn(async move { s.log_leaves(from, to).await }))
                }
                // Rows past the head the store reports were not written by Docket (PostgreSQL
                // keeps its head in a row of its own): read them too, so they are named.
                None if !tail_read => {
                    tail_read = true;
                    inflight.push_back(tokio::spawn(async move {
                        let rows = s.log_entries(head, 10_000).await?;
                        Ok(rows.iter().map(LeafCheck::of).collect())
                    }));
                }
                None => break,
            }
        }
        let Some(handle) = inflight.pop_front() else {
            break;
        };
        let page = handle
            .await
            .map_err(|e| StoreError::Other(format!("reading the log stopped: {e}")))??;
        for (i, e) in page.iter().enumerate() {
            if e.seq != expected_seq {
                if !first_event_problem {
                    report.problems.push(Problem::Removed {
                        seq: expected_seq,
                        before: expected_seq - 1,
                        after: e.seq,
                    });
                    first_event_problem = true;
                }
                // Carry on from here, so later problems are still found.
                expected_seq = e.seq;
            }
            let leaf = match e.computed {
                Some(leaf) => {
                    report.bytes += e.bytes;
                    leaf
                }
                None => {
                    report.erased += 1;
                    match e.stored {
                        Some(l) if e.payload_empty => l,
                        _ => {
                            if !first_event_problem {
                                report
                                    .problems
                                    .push(Problem::ErasedWithoutLeaf { seq: e.seq });
                                first_event_problem = true;
                            }
                            e.stored.unwrap_or_default()
                        }
                    }
                }
            };
            if !first_event_problem && Some(leaf) != e.stored {
                report.problems.push(classify(&page[i..], leaf));
                first_event_problem = true;
            }
            tree.push(leaf);
            report.events += 1;
            expected_seq += 1;
            while let Some(c) = pending_checkpoints.next_if(|c| c.size <= tree.size) {
                if c.size == tree.size {
                    if c.root == tree.root() {
                        last_agreeing = Some(c.size);
                    } else if !report
                        .problems
                        .iter()
                        .any(|p| matches!(p, Problem::RootMismatch { .. }))
                    {
                        report.problems.push(Problem::RootMismatch {
                            size: c.size,
                            since: last_agreeing,
                        });
                    }
                }
            }
        }
        progress(report.events);
    }
    report.root = tree.root();

    if let Some(max) = signed.iter().map(|c| c.size).max()
        && max > tree.size
    {
        report.problems.push(Problem::Truncated {
            held: tree.size,
            signed: max,
        });
    }
    let leaves = store.leaf_count().await?;
    if leaves > tree.size {
        report.problems.push(Problem::LeavesWithoutEvents {
            leaves,
            held: tree.size,
        });
    }
    Ok(report)
}

/// Names what happened at the first event whose recomputed leaf differs from the stored
/// one, looking at the events after it in the same page.
fn classify(rest: &[LeafCheck], leaf: Hash) -> Problem {
    let e = &rest[0];
    let Some(stored) = e.stored else {
        return Problem::NotInTree { seq: e.seq };
    };
    let recompute = |x: &LeafCheck| x.computed.or(x.stored);
    for other in rest.iter().skip(1) {
        if other.stored == Some(leaf) && recompute(other) == Some(stored) {
            return Problem::Reordered {
                seq: e.seq,
                other: other.seq,
            };
        }
    }
    if let Some(after) = rest.get(1)
        && recompute(after) == Some(stored)
    {
        return Problem::Inserted { seq: e.seq };
    }
    Problem::Altered { seq: e.seq }
}

/// Checks, from the store's tree, that each signed checkpoint extends the one before it.
/// (The recomputed tree is compared with every checkpoint as well; this catches a store
/// whose tree was rewritten to fit altered events.)
async fn check_consistency(store: &dyn Store, signed: &[Signed], report: &mut VerifyReport) {
    for pair in signed.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let proof = async {
            let indexes = consistency_proof_indexes(a.size, b.size).map_err(|e| e.to_string())?;
            let reader = prefetch(store, &indexes).await.map_err(|e| e.to_string())?;
            prove_consistency(a.size, b.size, &reader).map_err(|e| e.to_string())
        };
        let outcome = match proof.await {
            Ok(p) => verify_consistency(a.size, b.size, &p, &a.root, &b.root)
                .map_err(|e| format!("the store's tree gives no valid proof ({e})")),
            Err(e) => Err(format!("the store's tree cannot prove it ({e})")),
        };
        if let Err(reason) = outcome {
            report.problems.push(Problem::Inconsistent {
                from: a.size,
                to: b.size,
                reason,
            });
            // One is enough to say the history was rewritten; the rest would repeat it.
            break;
        }
    }
}

/// Opens every kept checkpoint with the trusted key; the good ones, smallest first.
async fn check_signatures(
    store: &dyn Store,
    key: &Verifier,
    report: &mut VerifyReport,
) -> Result<Vec<Signed>, StoreError> {
    let mut good = Vec::new();
    let mut after = 0;
    loop {
        let page = store.checkpoints_after(after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = last.size;
        for c in &page {
            report.checkpoints += 1;
            match open_one(c, key) {
                Ok(cp) if cp.size != c.size => report.problems.push(Problem::Mislabelled {
                    size: c.size,
                    says: cp.size,
                }),
                Ok(cp) => good.push(Signed {
                    size: cp.size,
                    root: cp.root_hash,
                }),
                Err(reason) => report.problems.push(Problem::BadSignature {
                    size: c.size,
                    key: format!("{}+{:08x}", key.name(), key.key_id()),
                    reason,
                }),
            }
        }
    }
    Ok(good)
}

fn open_one(c: &StoredCheckpoint, key: &Verifier) -> Result<Checkpoint, String> {
    let (cp, _) =
        open_checkpoint(c.note.as_bytes(), std::slice::from_ref(key)).map_err(|e| e.to_string())?;
    if cp.origin != key.name() {
        return Err(format!(
            "it names the log '{}', not '{}'",
            cp.origin,
            key.name()
        ));
    }
    Ok(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_tlog::{hash_leaf, root_from_leaves};

    #[test]
    fn the_frontier_gives_rfc9162_roots_at_every_size() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        let mut f = Frontier::default();
        assert_eq!(f.root(), docket_tlog::EMPTY_ROOT);
        for (i, l) in leaves.iter().enumerate() {
            f.push(*l);
            assert_eq!(f.root(), root_from_leaves(&leaves[..=i]), "size {}", i + 1);
        }
    }
}
