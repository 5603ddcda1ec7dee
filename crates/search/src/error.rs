//! The one error type of this crate.
//!
//! Opening an index separates "this directory holds something we cannot use" (the caller
//! may delete the directory and rebuild from the log: [`SearchError::Incompatible`],
//! [`SearchError::Corrupt`]) from failures where deleting would be wrong (the disk is
//! unreadable, another process holds the index).

use std::path::PathBuf;

/// What went wrong in the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The directory holds an index this build cannot use: another schema or analyser
    /// version, or a tantivy format this version does not read. Delete it and rebuild.
    #[error(
        "the search index in {dir} is incompatible with this build ({reason}); delete it and rebuild from the log"
    )]
    Incompatible {
        /// The index directory.
        dir: PathBuf,
        /// Why it is incompatible.
        reason: String,
    },

    /// The directory holds an index that cannot be read: damaged files, missing segments or
    /// a commit payload that is not a log position. Delete it and rebuild.
    #[error("the search index in {dir} is corrupt ({reason}); delete it and rebuild from the log")]
    Corrupt {
        /// The index directory (empty for an in-memory index).
        dir: PathBuf,
        /// What could not be read.
        reason: String,
    },

    /// Another writer (in this process or another) holds the index's lock.
    #[error("the search index in {dir} is locked by another writer")]
    Locked {
        /// The index directory.
        dir: PathBuf,
    },

    /// The index directory could not be created or read.
    #[error("cannot use the search index directory {dir}")]
    Io {
        /// The index directory.
        dir: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },

    /// `apply` was asked to record a log position before the one already committed: the
    /// caller is feeding events out of order, which would silently lose updates on resume.
    #[error("log position {asked} is behind the indexed position {indexed}")]
    PositionBehind {
        /// The position passed to `apply`.
        asked: u64,
        /// The position already committed.
        indexed: u64,
    },

    /// A thread panicked while holding the writer, or an earlier failure left no writer.
    /// The index on disk is intact; reopen it.
    #[error("the search index writer is unavailable after an earlier failure; reopen the index")]
    WriterUnavailable,

    /// Any other failure inside the search engine.
    #[error("search engine failure")]
    Engine(#[from] tantivy::TantivyError),
}
