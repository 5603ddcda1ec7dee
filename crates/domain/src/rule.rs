//! The rules a command can break. Every refusal names one, in words a case officer can act
//! on, and carries a stable code so the API and tests can match on it without parsing prose.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The process does not allow this step from the case's current stage.
    StageOrder,
    /// Investigator, charging decision, hearing panel, reviewer and appeal panel are different people.
    SeparationOfFunctions,
    /// Nobody acts on, or is given a function in, a case where they declared a conflict of
    /// interest.
    ConflictOfInterest,
    /// Only the person holding a function in the case may do what that function does.
    AssignedPersonOnly,
    /// A field was missing or malformed.
    InvalidInput,
    UnknownCategory,
    UnknownClause,
    /// A charge must cite the clause as worded on the date of the conduct.
    ClauseNotInForce,
    SanctionNotInMenu,
    SanctionTerm,
    ReapplyDate,
    /// One finding per charge, no more, no fewer.
    FindingPerCharge,
    SanctionNeedsProvenCharge,
    SanctionRequired,
    PanelSize,
    /// A panel is drawn only from eligible people: none with a declared conflict, another
    /// function in the case, or a standing the eligibility rules exclude.
    PanelPoolTooSmall,
    /// A drawn panel is the one its recorded draw gives, with every declared conflict passed
    /// over.
    PanelDrawMismatch,
    /// People drawn at random are appointed from the latest draw logged for the case and
    /// function, exactly as drawn: a draw cannot be made up, nor an earlier one picked.
    PanelDrawNotLatest,
    /// Drawing again for a function already drawn on the case needs a reason, which is
    /// recorded with the draw, so drawing until a result suits someone must be explained.
    RedrawNeedsReason,
    HearingNotYetHeld,
    IndependentReviewRequired,
    AppealWindowClosed,
    AppealWindowOpen,
    /// Interim measures are reviewed on a fixed date; none may run without one.
    ReviewDateRequired,
    ReviewDateTooLate,
    ReviewDateInPast,
    MeasureAlreadyActive,
    UnknownMeasure,
    MeasureNotActive,
    WhipNeedsLeaderInstruction,
    WhipOnlyForElectedRepresentatives,
    SanctionStillLive,
    NoSanctionToActivate,
    CaseAlreadyExists,
    CaseMergedIntoItself,
    ConductDateInFuture,
    /// Only payloads nothing else depends on may be erased, and only once.
    NotErasable,
    /// An anonymous complaint has no complainant identity to disclose.
    AnonymousComplainant,
    /// The complainant's identity is disclosed to the respondent once; the record says when.
    AlreadyDisclosed,
    /// A third party who reports conduct is acknowledged, not kept informed: no messages.
    ThirdPartyAcknowledgedOnly,
    /// A file is evidence on a case once: the same bytes again would be a second number for
    /// one piece of evidence.
    DuplicateEvidence,
    /// Evidence files have a size limit, set by the operator.
    FileTooLarge,
    /// Evidence is accepted only in types told by content that open safely.
    FileTypeNotAccepted,
    /// An evidence item names a file the store holds: the upload comes first.
    EvidenceNotUploaded,
    /// Disclosure names an evidence item the case has.
    UnknownEvidence,
    /// An item is disclosed to a party once; the record says when and why.
    EvidenceAlreadyDisclosed,
    /// A party sees the evidence disclosed to them, and no other.
    EvidenceNotDisclosed,
    /// An item that has a redacted copy is not disclosed itself: the copy is.
    RedactedOriginal,
    /// A file whose identifying metadata cannot be taken out is not disclosed as it is: a
    /// cleaned copy is added as a redaction and disclosed instead.
    MetadataNotRemovable,
    /// A stopped clock is restarted before it is stopped again.
    ClockAlreadyPaused,
    /// Only a stopped clock can be restarted.
    ClockNotPaused,
    /// Some clocks are deadlines the organisation may not stop (the appeal window).
    ClockNotPausable,
}

impl Rule {
    /// The stable snake_case code (serde's name for the variant, so there is one source of truth).
    pub fn code(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => String::from("unknown"),
        }
    }
}

/// A command refused by the domain: which rule, and a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Violation {
    pub rule: Rule,
    pub message: String,
}

impl Violation {
    pub fn new(rule: Rule, message: impl Into<String>) -> Violation {
        Violation {
            rule,
            message: message.into(),
        }
    }

    pub fn invalid(field: &str, problem: impl fmt::Display) -> Violation {
        Violation::new(Rule::InvalidInput, format!("{field}: {problem}"))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (rule: {})", self.message, self.rule.code())
    }
}
