//! `docket verify`: recomputes every leaf from the stored events and the tree from those
//! leaves, checks every kept checkpoint's signature, that each is consistent with the next,
//! and that the store still holds everything a checkpoint signed.
//!
//! Nothing the store says about itself is trusted: stored leaves are only used to say
//! *which* event changed, and to stand in for payloads that were erased on purpose.

use crate::transparency::prefetch;
use docket_domain::store::{LeafCheck, Node, Store, StoreError, StoredCheckpoint, StoredLeaves};
use docket_tlog::{
    Checkpoint, Frontier, Hash, Verifier, consistency_proof_indexes, open_checkpoint,
    prove_consistency, verify_consistency,
};
use std::sync::Arc;

mod problem;
pub use problem::Problem;

/// Events per store call, and how many calls run at once. Each range is read, hashed and
/// folded into its own subtree by a worker; this task only stitches the subtrees together.
/// A power of two, so a range that starts where the tree ends is an aligned subtree.
const RANGE: u64 = 1 << 16;
const IN_FLIGHT: usize = 3;

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

/// One range of events as a worker checked it.
#[derive(Debug, Default)]
struct Checked {
    /// The tree size this range was folded as if starting from.
    from: u64,
    rows: u64,
    /// The first and last seq read, if any.
    seqs: Option<(u64, u64)>,
    bytes: u64,
    erased: u64,
    /// The first thing wrong with an event in this range (a gap before its first row is
    /// for the caller, who knows where the range before ended).
    problem: Option<Problem>,
    /// The leaf each row contributes, in order.
    leaves: Vec<Hash>,
    /// The rows folded into subtrees, as if the tree held exactly `from` leaves before.
    fold: Frontier,
    /// The fold at each checkpoint size inside the range, on the same assumption.
    at_checkpoints: Vec<(u64, Frontier)>,
}

/// Checks one range's rows (which should be seqs `from + 1 ..`): gaps in `seq`, each
/// recomputed leaf against the stored one (when `stored` says the rows carry them all), and
/// folds the range into subtrees.
fn check_range(
    from: u64,
    rows: &[LeafCheck],
    checkpoints: &[u64],
    stored: StoredLeaves,
) -> Checked {
    let mut c = Checked {
        from,
        rows: rows.len() as u64,
        seqs: rows.first().zip(rows.last()).map(|(a, b)| (a.seq, b.seq)),
        leaves: Vec::with_capacity(rows.len()),
        ..Checked::default()
    };
    let mut expected_seq = rows.first().map_or(from + 1, |r| r.seq);
    let mut sizes = checkpoints.iter().peekable();
    for (i, e) in rows.iter().enumerate() {
        if e.seq != expected_seq {
            c.problem.get_or_insert(Problem::Removed {
                seq: expected_seq,
                before: expected_seq - 1,
                after: e.seq,
            });
            // Carry on from here, so the rest of the range is still checked.
            expected_seq = e.seq;
        }
        let leaf = match e.computed {
            Some(leaf) => {
                c.bytes += e.bytes;
                leaf
            }
            None => {
                c.erased += 1;
                match e.stored {
                    Some(l) if e.payload_empty => l,
                    _ => {
                        c.problem
                            .get_or_insert(Problem::ErasedWithoutLeaf { seq: e.seq });
                        e.stored.unwrap_or_default()
                    }
                }
            }
        };
        if stored == StoredLeaves::All && c.problem.is_none() && Some(leaf) != e.stored {
            c.problem = Some(classify(&rows[i..], leaf));
        }
        c.leaves.push(leaf);
        c.fold.push(leaf);
        expected_seq += 1;
        while let Some(&&size) = sizes.peek() {
            if size > from + c.fold.size() {
                break;
            }
            if size == from + c.fold.size() {
                c.at_checkpoints.push((size, c.fold.clone()));
            }
            sizes.next();
        }
    }
    c
}

/// A kept checkpoint whose signature verified: the size and root it vouches for.
#[derive(Debug, Clone, Copy)]
struct Signed {
    size: u64,
    root: Hash,
}

/// How [`verify_with`] reads the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Events per store call (rounded up to a power of two); tests make it small to cross
    /// range boundaries with small logs.
    pub range: u64,
    /// Compare every event with its own stored leaf, not only each range's subtrees with
    /// the stored ones. Slower; it also finds a leaf row changed on its own (with its event
    /// intact), which the subtrees above it do not show.
    pub every_leaf: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            range: RANGE,
            every_leaf: false,
        }
    }
}

/// Verifies the whole log. `progress` is told how many events have been checked.
pub async fn verify(
    store: &Arc<dyn Store>,
    key: &Verifier,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, StoreError> {
    verify_with(store, key, progress, Options::default()).await
}

pub async fn verify_with(
    store: &Arc<dyn Store>,
    key: &Verifier,
    progress: &(dyn Fn(u64) + Sync),
    options: Options,
) -> Result<VerifyReport, StoreError> {
    let range = options.range.max(1).next_power_of_two();
    let first_read = if options.every_leaf {
        StoredLeaves::All
    } else {
        StoredLeaves::ErasedOnly
    };
    let mut report = VerifyReport::default();
    let signed = check_signatures(store.as_ref(), key, &mut report).await?;
    let sizes: Arc<Vec<u64>> = Arc::new(signed.iter().map(|c| c.size).collect());
    let mut pending_checkpoints = signed.iter().peekable();
    let mut last_agreeing: Option<u64> = None;
    let mut tree = Frontier::default();
    let mut event_problem = None;
    let mut last_seq = 0;

    // Ranges of events are read, hashed and folded on the blocking pool, several at once,
    // while this task stitches their subtrees together in order.
    let head = store.head().await?;
    let mut ranges = (0..head)
        .step_by(range as usize)
        .map(|from| (from, (from + range).min(head)));
    let mut inflight = std::collections::VecDeque::new();
    let mut tail_read = false;
    loop {
        while inflight.len() < IN_FLIGHT {
            let (s, sizes) = (store.clone(), sizes.clone());
            let (from, rows) = match ranges.next() {
                Some((from, to)) => (from, RangeRows::Range(to)),
                // Rows past the head the store reports were not written by Docket (PostgreSQL
                // keeps its head in a row of its own): read them too, so they are named.
                None if !tail_read => {
                    tail_read = true;
                    (head, RangeRows::Tail)
                }
                None => break,
            };
            inflight.push_back(tokio::spawn(read_and_check(
                s, from, rows, sizes, first_read,
            )));
        }
        let Some(handle) = inflight.pop_front() else {
            break;
        };
        let page = handle
            .await
            .map_err(|e| StoreError::Other(format!("reading the log stopped: {e}")))??;
        if let Some((first, last)) = page.seqs {
            if event_problem.is_none() && first != last_seq + 1 {
                event_problem = Some(Problem::Removed {
                    seq: last_seq + 1,
                    before: last_seq,
                    after: first,
                });
            }
            last_seq = last;
        }
        if event_problem.is_none() {
            event_problem = page.problem.clone();
        }
        report.events += page.rows;
        report.bytes += page.bytes;
        report.erased += page.erased;
        // Each checkpoint inside the range is compared with the root at its size.
        let mut compare = |size: u64, root: Hash, problems: &mut Vec<Problem>| {
            if root == signed_root(&signed, size) {
                last_agreeing = Some(size);
            } else if !problems
                .iter()
                .any(|p| matches!(p, Problem::RootMismatch { .. }))
            {
                problems.push(Problem::RootMismatch {
                    size,
                    since: last_agreeing,
                });
            }
        };
        if page.from == tree.size() && tree.can_extend(&page.fold) {
            // The usual case: the range starts where the tree ends, on a boundary of its
            // subtrees, so they are the tree's. (Snapshots inside the range are smaller, so
            // they are aligned too.)
            for (size, at) in &page.at_checkpoints {
                if let Some(root) = tree.root_with(at) {
                    compare(*size, root, &mut report.problems);
                }
            }
            tree.extend(&page.fold);
            while pending_checkpoints
                .next_if(|c| c.size <= tree.size())
                .is_some()
            {}
        } else {
            // Rows are missing or extra before this range, or it is not aligned (rows past
            // the head): fold its leaves one by one.
            for leaf in &page.leaves {
                tree.push(*leaf);
                while let Some(c) = pending_checkpoints.next_if(|c| c.size <= tree.size()) {
                    if c.size == tree.size() {
                        compare(c.size, tree.root(), &mut report.problems);
                    }
                }
            }
        }
        progress(report.events);
    }
    if let Some(p) = event_problem {
        // An event's problem comes first: it names where the log was changed.
        report.problems.insert(0, p);
    }
    report.root = tree.root();

    if let Some(max) = signed.iter().map(|c| c.size).max()
        && max > tree.size()
    {
        report.problems.push(Problem::Truncated {
            held: tree.size(),
            signed: max,
        });
    }
    let leaves = store.leaf_count().await?;
    // Checkpoints past what the store still holds are reported as truncation above; the
    // stored tree cannot prove anything about them.
    let held = leaves.min(tree.size());
    let provable: Vec<Signed> = signed.into_iter().filter(|c| c.size <= held).collect();
    check_consistency(store.as_ref(), &provable, &mut report).await;
    if leaves > tree.size() {
        report.problems.push(Problem::LeavesWithoutEvents {
            leaves,
            held: tree.size(),
        });
    }
    Ok(report)
}

/// A worker: reads a range, checks it, and compares its subtrees with the stored tree. Only
/// if they differ (or the range has a gap) are the stored leaves read, to name the event,
/// unless `first_read` asks for them from the start.
async fn read_and_check(
    store: Arc<dyn Store>,
    from: u64,
    rows: RangeRows,
    sizes: Arc<Vec<u64>>,
    first_read: StoredLeaves,
) -> Result<Checked, StoreError> {
    let check = |rows: Vec<LeafCheck>, stored: StoredLeaves| {
        let sizes = sizes.clone();
        async move {
            tokio::task::spawn_blocking(move || check_range(from, &rows, &sizes, stored))
                .await
                .map_err(|e| StoreError::Other(format!("checking the log stopped: {e}")))
        }
    };
    let to = match rows {
        RangeRows::Range(to) => to,
        RangeRows::Tail => {
            // Rows past the head are few (normally none): check them leaf by leaf.
            let rows = store.log_entries(from, 10_000).await?;
            return check(rows.iter().map(LeafCheck::of).collect(), StoredLeaves::All).await;
        }
    };
    let rows = store.log_leaves(from, to, first_read).await?;
    // A gap moves every later leaf, so the subtrees can only agree where there is none.
    let gapless = rows.len() as u64 == to - from;
    let mut checked = check(rows, first_read).await?;
    let gapless = gapless && !matches!(checked.problem, Some(Problem::Removed { .. }));
    let agree = gapless && matches_stored(store.as_ref(), &checked).await;
    if first_read == StoredLeaves::ErasedOnly {
        if agree && checked.problem.is_none() {
            return Ok(checked);
        }
        let rows = store.log_leaves(from, to, StoredLeaves::All).await?;
        checked = check(rows, StoredLeaves::All).await?;
    }
    // The events agree with the stored subtrees above them, so a stored leaf that differs
    // from its event was changed itself.
    if agree
        && let Some(
            Problem::Altered { seq }
            | Problem::Reordered { seq, .. }
            | Problem::Inserted { seq }
            | Problem::NotInTree { seq },
        ) = checked.problem
    {
        checked.problem = Some(Problem::LeafRowChanged { seq });
    }
    Ok(checked)
}

/// Whether the range's subtrees are the ones stored at its position.
async fn matches_stored(store: &dyn Store, checked: &Checked) -> bool {
    let mut at = checked.from;
    let nodes: Vec<Node> = checked
        .fold
        .subtrees()
        .iter()
        .map(|&(height, _)| {
            let node = Node {
                level: height as u8,
                n: at >> height,
            };
            at += 1 << height;
            node
        })
        .collect();
    match store.tree_nodes(&nodes).await {
        Ok(stored) => stored
            .iter()
            .zip(checked.fold.subtrees())
            .all(|(s, (_, h))| s == h),
        Err(_) => false,
    }
}

/// Where a worker's rows come from: a range of seqs, or whatever lies past the head.
enum RangeRows {
    Range(u64),
    Tail,
}

/// The root a verified checkpoint vouches for at `size`.
fn signed_root(signed: &[Signed], size: u64) -> Hash {
    signed
        .iter()
        .find(|c| c.size == size)
        .map(|c| c.root)
        .unwrap_or_default()
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

    fn rows(from: u64, leaves: &[Hash]) -> Vec<LeafCheck> {
        leaves
            .iter()
            .zip(from + 1..)
            .map(|(leaf, seq)| LeafCheck {
                seq,
                computed: Some(*leaf),
                stored: Some(*leaf),
                erased: false,
                payload_empty: false,
                bytes: 1,
            })
            .collect()
    }

    /// A range checked on its own carries the tree's roots at its end and at each
    /// checkpoint inside it, once stitched onto the tree before it.
    #[test]
    fn a_range_folds_to_the_whole_trees_roots() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        for (from, to) in [(0, 16), (16, 32), (32, 40), (8, 12)] {
            let mut tree = Frontier::new();
            leaves[..from].iter().for_each(|l| tree.push(*l));
            let checkpoints: Vec<u64> = (0..=40).step_by(3).collect();
            let c = check_range(
                from as u64,
                &rows(from as u64, &leaves[from..to]),
                &checkpoints,
                StoredLeaves::All,
            );
            assert_eq!(c.problem, None);
            let inside: Vec<u64> = checkpoints
                .iter()
                .copied()
                .filter(|&s| s > from as u64 && s <= to as u64)
                .collect();
            assert_eq!(
                c.at_checkpoints.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
                inside
            );
            for (size, at) in &c.at_checkpoints {
                assert_eq!(
                    tree.root_with(at),
                    Some(root_from_leaves(&leaves[..*size as usize]))
                );
            }
            assert!(tree.extend(&c.fold));
            assert_eq!(tree.root(), root_from_leaves(&leaves[..to]));
        }
    }
}
