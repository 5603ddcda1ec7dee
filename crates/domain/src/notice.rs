//! Notices: the letters the process owes its parties (an acknowledgement, a notice of
//! investigation, an interim measure notice, a charge sheet, a hearing notice, an outcome
//! letter, an appeal outcome, and updates), decided here from what just happened to a case.
//! The wording comes from templates an organisation edits (the server renders them); the
//! rendered notice is kept whole in its `NoticeIssued` event, so the log holds exactly what
//! was sent and its hash.

use crate::case::Case;
use crate::command::{Complainant, Party};
use crate::event::CaseEvent;
use crate::ids::PersonId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Acknowledgement,
    NoticeOfInvestigation,
    InterimMeasure,
    ChargeSheet,
    HearingNotice,
    OutcomeLetter,
    AppealOutcome,
    Update,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 8] = [
        NoticeKind::Acknowledgement,
        NoticeKind::NoticeOfInvestigation,
        NoticeKind::InterimMeasure,
        NoticeKind::ChargeSheet,
        NoticeKind::HearingNotice,
        NoticeKind::OutcomeLetter,
        NoticeKind::AppealOutcome,
        NoticeKind::Update,
    ];

    /// The template's name, as its files are named.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Acknowledgement => "acknowledgement",
            NoticeKind::NoticeOfInvestigation => "notice_of_investigation",
            NoticeKind::InterimMeasure => "interim_measure",
            NoticeKind::ChargeSheet => "charge_sheet",
            NoticeKind::HearingNotice => "hearing_notice",
            NoticeKind::OutcomeLetter => "outcome_letter",
            NoticeKind::AppealOutcome => "appeal_outcome",
            NoticeKind::Update => "update",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Acknowledgement => "Acknowledgement",
            NoticeKind::NoticeOfInvestigation => "Notice of investigation",
            NoticeKind::InterimMeasure => "Interim measure notice",
            NoticeKind::ChargeSheet => "Charge sheet",
            NoticeKind::HearingNotice => "Hearing notice",
            NoticeKind::OutcomeLetter => "Outcome letter",
            NoticeKind::AppealOutcome => "Appeal outcome",
            NoticeKind::Update => "Update",
        }
    }
}

/// A notice as issued: what was said, to whom, and the SHA-256 of its HTML and text (so a
/// recipient can check a copy against the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedNotice {
    pub number: u32,
    pub kind: NoticeKind,
    pub to: Party,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sha256: String,
    pub issued_at: Timestamp,
    pub issued_by: PersonId,
    /// What became of emailing it, oldest first. Empty while it waits in the outbox, or if
    /// the party has no email address (the notice is in their portal either way).
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

/// How an attempt to email a notice ended, as recorded on the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The recipient's mail server accepted it.
    Sent,
    /// Every retry failed; the outbox gave up and says why.
    Failed,
    /// The recipient's mail server refused it for good (no such address, say).
    Bounced,
    /// Staff queued a failed or bounced notice to be tried again.
    Requeued,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Sent => "sent",
            DeliveryOutcome::Failed => "failed",
            DeliveryOutcome::Bounced => "bounced",
            DeliveryOutcome::Requeued => "requeued",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub outcome: DeliveryOutcome,
    pub at: Timestamp,
    #[serde(default)]
    pub reason: Option<String>,
    pub attempts: u32,
}

impl IssuedNotice {
    /// The latest recorded delivery outcome, if any.
    pub fn delivery(&self) -> Option<&Delivery> {
        self.deliveries.last()
    }
}

/// The notices `events` (just decided, and applied to give `after`) call for, in order, each
/// with its recipient. A complaint made anonymously is still acknowledged: the notice waits in
/// the complainant's receipt portal. A third party is acknowledged and told nothing more.
pub fn called_for(after: &Case, events: &[CaseEvent]) -> Vec<(NoticeKind, Party)> {
    let kept_informed = !matches!(after.complainant, Complainant::ThirdParty { .. });
    let mut out = Vec::new();
    for e in events {
        match e {
            CaseEvent::Acknowledged => {
                out.push((NoticeKind::Acknowledgement, Party::Complainant));
            }
            CaseEvent::InvestigationOpened { .. } | CaseEvent::Escalated { .. } => {
                out.push((NoticeKind::NoticeOfInvestigation, Party::Respondent));
            }
            CaseEvent::MeasureImposed { .. } => {
                out.push((NoticeKind::InterimMeasure, Party::Respondent));
            }
            CaseEvent::Charged { .. } => out.push((NoticeKind::ChargeSheet, Party::Respondent)),
            CaseEvent::HearingScheduled { .. } => {
                out.push((NoticeKind::HearingNotice, Party::Respondent));
            }
            CaseEvent::OutcomeNotified { .. } => {
                out.push((NoticeKind::OutcomeLetter, Party::Respondent));
                if kept_informed {
                    out.push((NoticeKind::OutcomeLetter, Party::Complainant));
                }
            }
            CaseEvent::UpdateDue { to, .. } => out.push((NoticeKind::Update, *to)),
            CaseEvent::AppealDecided { .. } => {
                out.push((NoticeKind::AppealOutcome, Party::Respondent));
                if kept_informed {
                    out.push((NoticeKind::AppealOutcome, Party::Complainant));
                }
            }
            _ => {}
        }
    }
    out
}
