//! Reads are events too: opening a case file appends a `CaseViewed` event, so the log can
//! answer "who looked at this case, and when".
//!
//! Views go to their own stream per case (`views/<reference>`), not the case's stream: a
//! read must never make a concurrent decision on the case fail as a conflict.

use crate::ids::CaseId;
use serde::{Deserialize, Serialize};

pub fn views_stream(id: &CaseId) -> String {
    format!("views/{id}")
}

/// Which part of a case file was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CasePart {
    /// The case file: its state, parties, allegations and decisions.
    File,
    /// The list of everything that happened on the case, with proofs.
    AuditTrail,
    /// Reference, stage, dates and clocks: what oversight may see.
    Metadata,
    /// A complainant's view of their own complaint and its progress.
    Complaint,
    /// A respondent's view of the allegations and decisions about them.
    Allegations,
    ContactRegister,
    Declarations,
    /// The final outcome as notified to officeholders.
    OutcomeNotice,
    /// One evidence file's bytes (which file is in the case's own stream: who added it).
    Evidence,
    /// The case's title (the complaint's one-line summary), shown because a search on the
    /// staff home matched it.
    Title,
}

impl CasePart {
    pub fn as_str(self) -> &'static str {
        match self {
            CasePart::File => "file",
            CasePart::AuditTrail => "audit_trail",
            CasePart::Metadata => "metadata",
            CasePart::Complaint => "complaint",
            CasePart::Allegations => "allegations",
            CasePart::ContactRegister => "contact_register",
            CasePart::Declarations => "declarations",
            CasePart::OutcomeNotice => "outcome_notice",
            CasePart::Evidence => "evidence",
            CasePart::Title => "title",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ViewEvent {
    /// The viewer is the event's actor.
    CaseViewed { case: CaseId, part: CasePart },
    /// A request the policy refused; the requester is the event's actor. Denials are kept
    /// so oversight can see, for example, an officeholder trying to open a case.
    AccessDenied {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case: Option<CaseId>,
        action: String,
        policies: Vec<String>,
    },
    /// A draw was made for a case (by the event's actor). Every draw is kept, so a panel
    /// chosen by drawing again until the result suited someone shows as several draws.
    PanelDrawn {
        case: CaseId,
        function: crate::function::Function,
        drawn: Vec<crate::ids::PersonId>,
        seed: String,
        /// Why the function was drawn again; absent on a first draw.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<crate::ids::Text>,
    },
    /// A hearing bundle was downloaded (by the event's actor). `bundle` is the id printed on
    /// its index page beside the actor's name, and `index_sha256` that page's hash, so a
    /// copy found where it should not be names whose download it was.
    BundleExported {
        case: CaseId,
        bundle: String,
        index_sha256: String,
        /// The evidence items it held, by number.
        items: Vec<u32>,
    },
}

/// Where denials that concern no one case are kept.
pub const DENIALS_STREAM: &str = "denials";
