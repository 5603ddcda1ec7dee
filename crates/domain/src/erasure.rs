//! Erasure (retention limits, data-protection requests): an event's payload is removed but
//! its leaf hash stays in the tree, so the log still verifies, and the erasure is itself an
//! event saying which event, who and why.
//!
//! Only events whose content nothing else depends on may be erased: folding a case skips an
//! erased event, so erasing one that moves the process on would change the case. Those are
//! views (who looked) and entries in the contact register (a third party's details). The
//! register keeps the fact that a contact happened, when, and who erased it.

use crate::ids::Text;
use crate::rule::{Rule, Violation};
use serde::{Deserialize, Serialize};

/// The stream erasure records go to.
pub const ERASURES_STREAM: &str = "erasures";

/// Event kinds whose payload may be erased.
pub const ERASABLE_KINDS: &[&str] = &["case_viewed", "contact_recorded"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ErasureEvent {
    PayloadErased {
        seq: u64,
        stream: String,
        kind: String,
        reason: Text,
    },
}

/// Whether an event of `kind` may have its payload erased.
pub fn check_erasable(seq: u64, kind: &str, erased: bool) -> Result<(), Violation> {
    if erased {
        return Err(Violation::new(
            Rule::NotErasable,
            format!("event {seq}'s payload is erased already"),
        ));
    }
    if !ERASABLE_KINDS.contains(&kind) {
        return Err(Violation::new(
            Rule::NotErasable,
            format!(
                "event {seq} is a {kind} event, which the case's history depends on; only {} events can be erased",
                ERASABLE_KINDS.join(" and ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_views_and_contacts_are_erasable_and_only_once() {
        assert!(check_erasable(1, "case_viewed", false).is_ok());
        assert!(check_erasable(1, "contact_recorded", false).is_ok());
        let e = check_erasable(7, "charged", false).expect_err("refused");
        assert_eq!(e.rule, Rule::NotErasable);
        assert!(e.message.contains("event 7"), "{e}");
        assert!(check_erasable(1, "case_viewed", true).is_err());
    }
}
