//! What people ask the system to do to a case. Commands are requests: `decide` turns an
//! allowed command into events or refuses it naming the rule.

use crate::charge::{ChargeDraft, Finding};
use crate::contact::Contact;
use crate::draw::DrawInput;
use crate::ids::{CaseId, MembershipNumber, PersonId, Text};
use crate::measure::Right;
use crate::sanction::SanctionChoice;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Complainant {
    Member {
        number: MembershipNumber,
        name: String,
    },
    ThirdParty {
        name: String,
        #[serde(default)]
        organisation: Option<String>,
        /// Where their acknowledgement is emailed, if they gave an address: a third party
        /// has no portal and is told nothing more.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Respondent {
    pub member: MembershipNumber,
    pub name: String,
    /// Copied from the membership record at intake; the whip can be withdrawn only from an
    /// elected representative.
    #[serde(default)]
    pub elected_office: Option<String>,
}

/// One of the two parties to a case, as the other side of a conversation with its staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Complainant,
    Respondent,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Complainant => "complainant",
            Party::Respondent => "respondent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    Verify,
    Veto,
}

impl ReviewVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewVerdict::Verify => "verify",
            ReviewVerdict::Veto => "veto",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    ReceiveComplaint {
        id: CaseId,
        complainant: Complainant,
        respondent: Respondent,
        category: String,
        conduct_date: Date,
        summary: Text,
        narrative: Text,
    },
    Acknowledge,
    Assess {
        #[serde(default)]
        category: Option<String>,
        assessment: Text,
    },
    Dismiss {
        reasons: Text,
    },
    StartInformalResolution {
        reasons: Text,
    },
    ResolveInformally {
        outcome: Text,
    },
    Escalate {
        reasons: Text,
        investigator: PersonId,
    },
    OpenInvestigation {
        investigator: PersonId,
        terms: Text,
    },
    SubmitDraftReport {
        summary: Text,
    },
    StartAccuracyCheck,
    DecideNoFurtherAction {
        reasons: Text,
    },
    Charge {
        charges: Vec<ChargeDraft>,
    },
    ScheduleHearing {
        panel: Vec<PersonId>,
        date: Date,
        venue: Text,
        /// The draw that chose the panel, when it was drawn: checked against the panel and
        /// recorded, so anyone can re-run it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    RecordDecision {
        findings: Vec<Finding>,
        #[serde(default)]
        sanction: Option<SanctionChoice>,
    },
    RequestIndependentReview {
        reviewer: PersonId,
        /// The draw that chose the reviewer, when drawn: checked and recorded as a panel's is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    RecordReview {
        verdict: ReviewVerdict,
        reasons: Text,
    },
    NotifyOutcome,
    LodgeAppeal {
        grounds: Text,
    },
    ConveneAppealPanel {
        panel: Vec<PersonId>,
        /// As for a hearing panel.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draw: Option<DrawInput>,
    },
    DecideAppeal {
        upheld: bool,
        reasons: Text,
        /// When an appeal is upheld: the sanction that replaces the original (None quashes it).
        #[serde(default)]
        substitute_sanction: Option<SanctionChoice>,
    },
    Finalise,
    ActivateSanction,
    ExpireSanction,
    Withdraw {
        reasons: Text,
    },
    Merge {
        into: CaseId,
        reasons: Text,
    },
    RecordResignation {
        #[serde(default)]
        note: Option<Text>,
    },
    Reopen {
        reasons: Text,
    },
    ImposeSuspension {
        scope: Vec<Right>,
        reasons: Text,
        #[serde(default)]
        review_date: Option<Date>,
    },
    RecordLeaderInstruction {
        instruction: Text,
    },
    WithdrawWhip {
        #[serde(default)]
        instruction: Option<u32>,
        reasons: Text,
        #[serde(default)]
        review_date: Option<Date>,
    },
    ReviewMeasure {
        measure: u32,
        reasons: Text,
        #[serde(default)]
        next_review: Option<Date>,
    },
    LiftMeasure {
        measure: u32,
        reasons: Text,
    },
    RecordContact {
        contact: Contact,
    },
    /// Records that `person` has an interest that conflicts with acting on this case (usually
    /// declared by the person themselves; a case officer may record it for them).
    DeclareConflict {
        person: PersonId,
        interest: Text,
    },
    /// Tells the respondent who complained. Until this is recorded the respondent sees the
    /// allegations but not the complainant's identity; an anonymous complaint has none to tell.
    DiscloseComplainantIdentity {
        reasons: Text,
    },
    /// The respondent's own account, answer or evidence; a case may receive several.
    SubmitResponse {
        response: Text,
        /// Who will accompany the respondent (a friend, a union representative). Optional, so
        /// clients written before it existed still send valid commands.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        companion: Option<Text>,
    },
    /// A case officer writes to one party. Each party sees only what was written to them and
    /// what they wrote, so nothing said to or by the respondent reaches the complainant.
    SendMessage {
        to: Party,
        body: Text,
    },
    /// The complainant writes on their own complaint. A separate command from the
    /// respondent's so that the policy, not the sender, decides which side a message is on.
    ComplainantReply {
        body: Text,
    },
    /// The respondent writes on the case about them.
    RespondentReply {
        body: Text,
    },
    /// Records a file already stored under its hash as evidence on the case. The server
    /// stores the bytes first and detects the media type itself; the command carries only
    /// what the log keeps.
    AddEvidence {
        sha256: String,
        filename: String,
        media_type: String,
        size: u64,
        /// Set when the file is a redacted copy of an item the case already has.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redaction_of: Option<crate::evidence::Redaction>,
    },
    /// Discloses evidence item `item` to a party, with the reasons: they then see it (and
    /// only what is disclosed to them) in their portal. Disclosure is deliberate and
    /// recorded; nothing reaches a party by default.
    DiscloseEvidence {
        item: u32,
        to: Party,
        reasons: Text,
        /// The copy the party will be given when it is not the file itself (identifying
        /// metadata taken out). Worked out by the server from the stored file, never sent.
        #[serde(skip)]
        copy: Option<crate::evidence::PartyCopy>,
    },
    /// Stops the stage clock (the respondent is ill, the police are investigating): the
    /// reasons are required and kept, and the working days it stays stopped do not count.
    /// Interim measures' review dates do not move: a measure is never extended by a pause.
    PauseClock {
        reasons: Text,
    },
    /// Restarts a stopped stage clock.
    ResumeClock,
}

impl Command {
    /// The command's name as people see it in errors ("schedule hearing").
    pub fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => v
                .get("command")
                .and_then(|c| c.as_str())
                .unwrap_or("command")
                .replace('_', " "),
            Err(_) => String::from("command"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused_and_known_ones_kept() {
        let ok: Command = serde_json::from_str(r#"{"command":"acknowledge"}"#).expect("parses");
        assert_eq!(ok, Command::Acknowledge);
        let ok: Command =
            serde_json::from_str(r#"{"command":"withdraw","reasons":"Because."}"#).expect("parses");
        assert_eq!(ok.name(), "withdraw");
        // Unit variants ("acknowledge") take no fields, and serde lets extra ones through
        // for them: the API checks those itself.
        for bad in [
            r#"{"command":"withdraw","reasons":"Because.","extra":1}"#,
            r#"{"command":"record_contact","contact":{"who":"A","channel":"phone","occurred_on":"2026-01-01","summary":"x","extra":1}}"#,
        ] {
            let err = serde_json::from_str::<Command>(bad).expect_err(bad);
            assert!(err.to_string().contains("unknown field"), "{err}");
        }
    }
}
