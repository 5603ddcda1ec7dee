//! What `docket verify` can find wrong, each naming the event or checkpoint concerned.

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
    #[error(
        "event {seq} matches the tree above it, but its stored leaf was changed or removed: tiles and proofs that use that leaf are wrong"
    )]
    LeafRowChanged { seq: u64 },
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
            | Problem::LeafRowChanged { seq }
            | Problem::ErasedWithoutLeaf { seq } => Some(*seq),
            Problem::Truncated { held, .. } => Some(held + 1),
            Problem::RootMismatch { since, .. } => Some(since.unwrap_or(0) + 1),
            _ => None,
        }
    }
}
