//! Docket's full-text index over cases.
//!
//! The index is a read model: everything in it can be rebuilt from the event log, each
//! server process keeps its own copy on local disk, and every commit records how far into
//! the log (a log sequence number) it has indexed, so a restarted server resumes from there
//! instead of reindexing the whole log.
//!
//! A case is indexed as several documents ([`Doc`]): its title, the complaint narrative, each
//! charge's particulars, notes, and the text of text-like evidence. Search answers with one
//! [`Hit`] per case.
//!
//! Search results are filtered by the caller's authorisation predicate *before* they are
//! returned or counted: there is deliberately no "total hits" figure, because the number of
//! unfiltered matches would tell a user that cases they may not see exist.
//!
//! Words are analysed the same way in the index and in queries (lowercased, accents folded,
//! English stemming). Every pair of adjacent words is indexed as a term of its own
//! (module `pairs`), so that a quoted phrase is ranked like a single word instead of by reading
//! the positions of every document holding its words: that is what keeps phrase queries
//! over a million documents within a few milliseconds. The cost is a larger index and
//! slower indexing (the text is analysed twice).
//!
//! This crate depends on no other Docket crate so that it compiles on its own and quickly;
//! the server maps its domain events onto [`Doc`]s.

pub mod bench;
mod candidates;
mod document;
mod error;
mod index;
mod pairs;
mod query;
mod schema;

pub use document::{Doc, Hit, Kind, Within};
pub use error::SearchError;
pub use index::SearchIndex;
