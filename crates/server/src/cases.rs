//! Cases as last loaded, kept in memory so that reading a case again is not a replay of its
//! whole stream.
//!
//! A kept case is used only when the store still says it is current: its stream has the same
//! version, and no payload has been erased since (an erasure leaves a case's version alone but
//! changes what replaying it gives). Both are asked of the store on every load, so writes by
//! other processes (the CLI beside a server, several servers on one PostgreSQL) are seen at
//! once; memory only saves the replay.

use docket_domain::case::Case;
use docket_domain::ids::CaseId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many cases are kept. When full, everything is dropped and the cache fills again: the
/// cases being worked on come back on their next read, and there is no order to maintain.
pub const CAPACITY: usize = 4096;

/// The store's state a kept case was loaded at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The version of the case's stream.
    pub version: u64,
    /// The version of the erasures stream.
    pub erasures: u64,
}

#[derive(Debug, Default)]
pub struct CaseCache {
    kept: Mutex<HashMap<CaseId, (Seen, Case)>>,
    /// Cases asked for, and how many of them were kept: what a search's gate costs is
    /// mostly cases loaded, and these say how many (see `docket bench search`).
    asked: AtomicU64,
    found: AtomicU64,
}

/// How often the cache was asked, and answered, since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub asked: u64,
    pub found: u64,
}

impl CaseCache {
    /// The case as kept, if it was loaded at `seen`.
    pub fn get(&self, id: &CaseId, seen: Seen) -> Option<Case> {
        self.asked.fetch_add(1, Ordering::Relaxed);
        let kept = self.kept.lock().ok()?;
        let case = kept
            .get(id)
            .filter(|(at, _)| *at == seen)
            .map(|(_, case)| case.clone());
        if case.is_some() {
            self.found.fetch_add(1, Ordering::Relaxed);
        }
        case
    }

    pub fn counts(&self) -> Counts {
        Counts {
            asked: self.asked.load(Ordering::Relaxed),
            found: self.found.load(Ordering::Relaxed),
        }
    }

    /// Keeps `case`, loaded when the store was at `seen`.
    pub fn keep(&self, case: &Case, seen: Seen) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= CAPACITY && !kept.contains_key(&case.id) {
            kept.clear();
        }
        kept.insert(case.id.clone(), (seen, case.clone()));
    }
}
