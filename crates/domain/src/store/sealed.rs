//! Evidence files as the store keeps them: sealed (encrypted and authenticated) in chunks
//! under a data key of their case's, which is itself kept wrapped by the organisation's key.
//! The server seals and opens; the store only keeps bytes it cannot read, and every server
//! on one database finds the same ones.

use crate::ids::CaseId;
use crate::store::StoreError;

/// Bytes of a file sealed into one chunk; the last chunk of a file may hold fewer.
pub const CHUNK: usize = 1024 * 1024;
/// What sealing adds to a chunk: its authentication tag.
pub const TAG: usize = 16;
/// The stored length of every chunk but a file's last, so chunk `n` starts at
/// `n * SEALED_CHUNK` in a store that keeps an upload as one run of bytes.
pub const SEALED_CHUNK: usize = CHUNK + TAG;

/// An evidence file kept in the store, found by its case and the SHA-256 of its plaintext
/// (the hash the log recorded when it arrived).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedFile {
    pub case: CaseId,
    /// Lowercase hex SHA-256 of the plaintext.
    pub sha256: String,
    /// Plaintext bytes.
    pub size: u64,
    /// As detected from the content on arrival.
    pub media_type: String,
    /// The upload its chunks were written under: random, and bound into every chunk's seal.
    pub upload: String,
    pub chunks: u32,
    /// The file's own nonce prefix: with the chunk's number and whether it is the last, it
    /// makes each chunk's nonce.
    pub nonce: Vec<u8>,
}

/// A case's data key, wrapped (sealed) by the organisation key named by `key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub case: CaseId,
    /// Which organisation key wrapped it: a short digest of that key, never the key.
    pub key_id: String,
    pub wrapped: Vec<u8>,
}

/// How much evidence the store holds, told at start: a server whose key cannot open what is
/// stored must refuse to start rather than serve errors or garbage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SealedCounts {
    pub files: u64,
    pub keys: u64,
    /// Files kept unsealed by an earlier version of Docket, to be sealed at start.
    pub legacy: u64,
}

/// Refuses an upload name that is not the server's own (1 to 64 hex digits): a store that
/// keeps uploads as files uses the name in a path, and no other name may reach one.
pub fn check_upload(upload: &str) -> Result<(), StoreError> {
    if !upload.is_empty() && upload.len() <= 64 && upload.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "'{upload}' is not an upload name"
        )))
    }
}
