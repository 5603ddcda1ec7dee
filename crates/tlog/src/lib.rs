//! `docket-tlog`: the tamper-evident log primitives behind Docket.
//!
//! * [`hash`]: RFC 9162 leaf / node hashing.
//! * [`tree`]: append-only stored-hash layout, roots and proof generation.
//! * [`proof`]: inclusion and consistency proof verification.
//! * [`tile`]: C2SP tlog-tiles paths, serving and client-side tile use.
//! * [`checkpoint`]: C2SP tlog-checkpoint bodies.
//! * [`note`]: C2SP signed notes with Ed25519 (Go `sumdb/note` compatible).
//!
//! The crate performs no I/O, reads no clock and draws no randomness:
//! storage is reached through [`HashReader`], and keys come from caller
//! supplied seeds. That keeps every function deterministic and testable.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod frontier;
pub mod hash;
pub mod note;
pub mod proof;
pub mod tile;
pub mod tree;

pub use checkpoint::{Checkpoint, CheckpointError, open_checkpoint, parse_hash};
pub use frontier::Frontier;
pub use hash::{
    EMPTY_ROOT, HASH_SIZE, Hash, hash_children, hash_leaf, hash_leaf_parts, root_from_leaves,
};
pub use note::{
    MAX_SIGNATURES, NoteError, OpenedNote, Signer, Verifier, is_valid_key_name, key_id, open_note,
    sign_note,
};
pub use proof::{
    ProofError, consistency_proof_len, inclusion_proof_len, root_from_inclusion_proof,
    verify_consistency, verify_inclusion,
};
pub use tile::{
    TILE_HEIGHT, TILE_WIDTH, Tile, TilePathError, TileSet, read_tile_data, tile_bytes, tile_hashes,
    tiles_for_growth, tiles_for_indexes,
};
pub use tree::{
    Error, HashReader, MAX_TREE_SIZE, consistency_proof_indexes, inclusion_proof_indexes,
    prove_consistency, prove_inclusion, split_stored_hash_index, stored_hash_count,
    stored_hash_index, stored_hashes_for_leaf, tree_hash, tree_hash_indexes,
};
