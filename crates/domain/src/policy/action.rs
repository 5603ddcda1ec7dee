//! What a request asks to do: one action per command, named as the command's `"command"`
//! field in the API, and one per kind of read. Each is declared in the shipped schema, with
//! the groups policies use (`action in Action::"read_content"`).

use crate::command::Command;
use std::fmt;

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order (`Action::ALL[a as usize] == a`).
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The snake_case name used in the schema, in policies and in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    // Commands, in the order `Command` declares them.
    ReceiveComplaint => "receive_complaint",
    Acknowledge => "acknowledge",
    Assess => "assess",
    Dismiss => "dismiss",
    StartInformalResolution => "start_informal_resolution",
    ResolveInformally => "resolve_informally",
    Escalate => "escalate",
    OpenInvestigation => "open_investigation",
    SubmitDraftReport => "submit_draft_report",
    StartAccuracyCheck => "start_accuracy_check",
    DecideNoFurtherAction => "decide_no_further_action",
    Charge => "charge",
    ScheduleHearing => "schedule_hearing",
    RecordDecision => "record_decision",
    RequestIndependentReview => "request_independent_review",
    RecordReview => "record_review",
    NotifyOutcome => "notify_outcome",
    LodgeAppeal => "lodge_appeal",
    ConveneAppealPanel => "convene_appeal_panel",
    DecideAppeal => "decide_appeal",
    Finalise => "finalise",
    ActivateSanction => "activate_sanction",
    ExpireSanction => "expire_sanction",
    Withdraw => "withdraw",
    Merge => "merge",
    RecordResignation => "record_resignation",
    Reopen => "reopen",
    ImposeSuspension => "impose_suspension",
    RecordLeaderInstruction => "record_leader_instruction",
    WithdrawWhip => "withdraw_whip",
    ReviewMeasure => "review_measure",
    LiftMeasure => "lift_measure",
    RecordContact => "record_contact",
    DeclareConflict => "declare_conflict",
    DiscloseComplainantIdentity => "disclose_complainant_identity",
    SubmitResponse => "submit_response",
    SendMessage => "send_message",
    ComplainantReply => "complainant_reply",
    RespondentReply => "respondent_reply",
    AddEvidence => "add_evidence",
    DiscloseEvidence => "disclose_evidence",
    PauseClock => "pause_clock",
    ResumeClock => "resume_clock",
    // Reads.
    /// The list of cases (references, stages, clocks), organisation-wide.
    ListCases => "list_cases",
    /// One case's reference, stage and clocks: no content.
    ViewCaseMetadata => "view_case_metadata",
    /// The case file: narrative, assessment, charges, evidence, hearing, decisions with reasons.
    ViewCaseContent => "view_case_content",
    /// An evidence file's bytes (the list of items is part of the case file).
    ViewEvidence => "view_evidence",
    /// A complainant's own complaint, its progress and outcome.
    ViewComplaint => "view_complaint",
    /// What a respondent is told: the allegations and the decisions about them.
    ViewAllegations => "view_allegations",
    /// Who complained.
    ViewComplainantIdentity => "view_complainant_identity",
    /// The respondent's submissions.
    ViewResponse => "view_response",
    /// Everything that happened on a case (or in the log), with proofs.
    ViewAuditTrail => "view_audit_trail",
    /// Contacts about a case from outside its roles.
    ViewContactRegister => "view_contact_register",
    /// Declared conflicts of interest, with the interest declared.
    ViewDeclarations => "view_declarations",
    /// A case's final outcome as notified to officeholders: no reasons, evidence or
    /// complainant.
    ViewOutcomeNotice => "view_outcome_notice",
    ViewStatistics => "view_statistics",
    ViewUsers => "view_users",
    ManageUsers => "manage_users",
    ViewMembers => "view_members",
    ImportMembers => "import_members",
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        let t = s.trim().replace(['-', ' '], "_").to_ascii_lowercase();
        Action::ALL.iter().copied().find(|a| a.as_str() == t)
    }

    /// The action a command asks for.
    pub fn of(cmd: &Command) -> Action {
        match cmd {
            Command::ReceiveComplaint { .. } => Action::ReceiveComplaint,
            Command::Acknowledge => Action::Acknowledge,
            Command::Assess { .. } => Action::Assess,
            Command::Dismiss { .. } => Action::Dismiss,
            Command::StartInformalResolution { .. } => Action::StartInformalResolution,
            Command::ResolveInformally { .. } => Action::ResolveInformally,
            Command::Escalate { .. } => Action::Escalate,
            Command::OpenInvestigation { .. } => Action::OpenInvestigation,
            Command::SubmitDraftReport { .. } => Action::SubmitDraftReport,
            Command::StartAccuracyCheck => Action::StartAccuracyCheck,
            Command::DecideNoFurtherAction { .. } => Action::DecideNoFurtherAction,
            Command::Charge { .. } => Action::Charge,
            Command::ScheduleHearing { .. } => Action::ScheduleHearing,
            Command::RecordDecision { .. } => Action::RecordDecision,
            Command::RequestIndependentReview { .. } => Action::RequestIndependentReview,
            Command::RecordReview { .. } => Action::RecordReview,
            Command::NotifyOutcome => Action::NotifyOutcome,
            Command::LodgeAppeal { .. } => Action::LodgeAppeal,
            Command::ConveneAppealPanel { .. } => Action::ConveneAppealPanel,
            Command::DecideAppeal { .. } => Action::DecideAppeal,
            Command::Finalise => Action::Finalise,
            Command::ActivateSanction => Action::ActivateSanction,
            Command::ExpireSanction => Action::ExpireSanction,
            Command::Withdraw { .. } => Action::Withdraw,
            Command::Merge { .. } => Action::Merge,
            Command::RecordResignation { .. } => Action::RecordResignation,
            Command::Reopen { .. } => Action::Reopen,
            Command::ImposeSuspension { .. } => Action::ImposeSuspension,
            Command::RecordLeaderInstruction { .. } => Action::RecordLeaderInstruction,
            Command::WithdrawWhip { .. } => Action::WithdrawWhip,
            Command::ReviewMeasure { .. } => Action::ReviewMeasure,
            Command::LiftMeasure { .. } => Action::LiftMeasure,
            Command::RecordContact { .. } => Action::RecordContact,
            Command::DeclareConflict { .. } => Action::DeclareConflict,
            Command::DiscloseComplainantIdentity { .. } => Action::DiscloseComplainantIdentity,
            Command::SubmitResponse { .. } => Action::SubmitResponse,
            Command::SendMessage { .. } => Action::SendMessage,
            Command::ComplainantReply { .. } => Action::ComplainantReply,
            Command::RespondentReply { .. } => Action::RespondentReply,
            Command::AddEvidence { .. } => Action::AddEvidence,
            Command::DiscloseEvidence { .. } => Action::DiscloseEvidence,
            Command::PauseClock { .. } => Action::PauseClock,
            Command::ResumeClock => Action::ResumeClock,
        }
    }

    /// Whether this action is a command (changes a case) rather than a read.
    pub fn is_command(self) -> bool {
        self <= Action::ResumeClock
    }

    /// The index of this action in `ALL`.
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_into_all() {
        for (i, a) in Action::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(
            Action::parse("View Case Content"),
            Some(Action::ViewCaseContent)
        );
        assert_eq!(Action::parse("boss_around"), None);
        assert_eq!(Action::ALL.len(), 60);
        assert_eq!(Action::ALL.iter().filter(|a| a.is_command()).count(), 43);
    }
}
