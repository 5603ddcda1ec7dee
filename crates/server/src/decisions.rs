//! The policy's decisions about cases, kept for as long as nothing they depend on changes.
//!
//! A decision is a function of the principal (person, roles, membership, receipt), the
//! action, the policy (fixed for the life of the process) and the case's facts. The facts
//! are derived from the case's events alone, so a case's stream version names them: an
//! erasure cannot change them, as only views and contacts can be erased. Reading a case
//! does not move its version (views are a stream of their own), so the same officer
//! reading the same case again is answered without putting it to Cedar, which was a fifth
//! of a case read's time. Refusals are still recorded every time: only the decision is kept.

use docket_domain::ids::CaseId;
use docket_domain::policy::{Action, Decision};
use docket_domain::role::Principal;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many decisions are kept before starting again.
const CAPACITY: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Asked {
    pub who: Principal,
    pub action: Action,
    pub case: CaseId,
    pub version: u64,
}

#[derive(Debug, Default)]
pub struct DecisionCache {
    kept: Mutex<HashMap<Asked, Decision>>,
}

impl DecisionCache {
    pub fn get(&self, asked: &Asked) -> Option<Decision> {
        self.kept.lock().ok()?.get(asked).cloned()
    }

    pub fn keep(&self, asked: Asked, decision: &Decision) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= CAPACITY {
            kept.clear();
        }
        kept.insert(asked, decision.clone());
    }
}
