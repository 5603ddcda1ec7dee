//! What happened to a case. Events are facts, stored forever in the log; everything else
//! (case state, queues, clocks) is derived from them.

use crate::charge::{Charge, Finding};
use crate::command::{Complainant, Party, Respondent, ReviewVerdict};
use crate::contact::Contact;
use crate::draw::DrawInput;
use crate::evidence::EvidenceItem;
use crate::ids::{CaseId, PersonId, Text};
use crate::measure::MeasureKind;
use crate::notice::{DeliveryOutcome, NoticeKind};
use crate::sanction::SanctionChoice;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEvent {
    ComplaintReceived {
        id: CaseId,
        complainant: Complainant,
        respondent: Respondent,
        category: String,
        conduct_date: Date,
        summary: Text,
        narrative: Text,
    },
    Acknowledged,
    Assessed {
        category: String,
        assessment: Text,
    },
    Dismissed {
        reasons: Text,
    },
    InformalResolutionStarted {
        reasons: Text,
    },
    ResolvedInformally {
        outcome: Text,
    },
    Escalated {
        reasons: Text,
        investigator: PersonId,
    },
    InvestigationOpened {
        investigator: PersonId,
        terms: Text,
    },
    DraftReportSubmitted {
        summary: Text,
    },
    AccuracyCheckStarted,
    NoFurtherActionDecided {
        decided_by: PersonId,
        reasons: Text,
    },
    Charged {
        decided_by: PersonId,
        charges: Vec<Charge>,
    },
    HearingScheduled {
        panel: Vec<PersonId>,
        date: Date,
        venue: Text,
        /// The draw that chose the panel, if it was drawn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    DecisionRecorded {
        findings: Vec<Finding>,
        sanction: Option<SanctionChoice>,
    },
    IndependentReviewRequested {
        reviewer: PersonId,
        /// The draw that chose the reviewer, when drawn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    ReviewRecorded {
        verdict: ReviewVerdict,
        reasons: Text,
    },
    OutcomeNotified {
        appeal_deadline: Date,
    },
    AppealLodged {
        grounds: Text,
    },
    AppealPanelConvened {
        panel: Vec<PersonId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    AppealDecided {
        upheld: bool,
        reasons: Text,
        final_sanction: Option<SanctionChoice>,
    },
    Finalised,
    SanctionActivated {
        live_from: Date,
        live_until: Option<Date>,
    },
    SanctionExpired,
    Withdrawn {
        reasons: Text,
    },
    Merged {
        into: CaseId,
        reasons: Text,
    },
    RespondentResigned {
        stage_reached: Stage,
        note: Option<Text>,
    },
    Reopened {
        stage: Stage,
        reasons: Text,
    },
    MeasureImposed {
        number: u32,
        kind: MeasureKind,
        reasons: Text,
        review_date: Date,
    },
    LeaderInstructionRecorded {
        number: u32,
        instruction: Text,
    },
    MeasureReviewed {
        number: u32,
        reasons: Text,
        next_review: Date,
    },
    MeasureLifted {
        number: u32,
        reasons: Text,
    },
    ContactRecorded {
        contact: Contact,
    },
    ConflictDeclared {
        person: PersonId,
        interest: Text,
    },
    ComplainantIdentityDisclosed {
        reasons: Text,
    },
    /// The actor is the respondent who submitted it.
    ResponseSubmitted {
        response: Text,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        companion: Option<Text>,
    },
    /// The actor is the member of staff who wrote it.
    MessageSent {
        to: Party,
        body: Text,
    },
    /// The actor is the complainant (a portal account, or the receipt's person).
    ComplainantReplied {
        body: Text,
    },
    /// The actor is the respondent.
    RespondentReplied {
        body: Text,
    },
    /// A file arrived; the actor is who added it. Its hash is here so the log vouches for it.
    EvidenceAdded {
        item: EvidenceItem,
    },
    /// Evidence item `item` was disclosed to a party; the actor is who decided it.
    EvidenceDisclosed {
        item: u32,
        to: Party,
        reasons: Text,
        /// The copy the party is given when it is not the file itself: its hash is here so
        /// the party can check what they hold against the log.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy: Option<crate::evidence::PartyCopy>,
    },
    /// The stage clock stopped; the actor is who stopped it.
    ClockPaused {
        reasons: Text,
    },
    ClockResumed,
    /// The schedule's reminder: the stage is due within a few working days.
    StageDueSoon {
        stage: Stage,
        due: Date,
    },
    /// The schedule's escalation: the stage is past its due date, and oversight and the case
    /// officers' managers are told.
    StageOverdue {
        stage: Stage,
        due: Date,
    },
    /// An interim measure passed its review date with no new decision: it is marked
    /// unreviewed everywhere and oversight is told. It is never extended by this.
    MeasureUnreviewed {
        measure: u32,
        review_date: Date,
    },
    /// A party is owed their regular update (nothing sent since `since`); the update
    /// notice follows in the same append.
    UpdateDue {
        to: Party,
        since: Date,
    },
    /// A notice was issued to a party: its whole text and HTML, and their SHA-256.
    NoticeIssued {
        number: u32,
        kind: NoticeKind,
        to: Party,
        subject: String,
        text: String,
        html: String,
        sha256: String,
    },
    /// What became of emailing notice `number`: sent, given up on, bounced, or queued again
    /// by staff. The actor is the outbox (or who queued it again); the address is not
    /// recorded here, only in the outbox, so the log carries no more personal data than the
    /// case already does.
    NoticeDelivery {
        number: u32,
        outcome: DeliveryOutcome,
        /// Why it failed or bounced, addresses removed.
        #[serde(default)]
        reason: Option<String>,
        attempts: u32,
    },
}

impl CaseEvent {
    /// The stable snake_case name stored beside the payload, so the log can be filtered by
    /// kind without decoding payloads.
    pub fn kind(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => v
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("unknown")
                .to_string(),
            Err(_) => String::from("unknown"),
        }
    }
}
