//! The stages a case passes through under the default process (DESIGN.md).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a case stands. Terminal stages close the case; every other stage is "open" and
/// has a clock in working days set by the rule book.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Received,
    Acknowledged,
    Assessed,
    Dismissed,
    InformalResolution,
    Resolved,
    Investigation,
    DraftReport,
    AccuracyCheck,
    NoFurtherAction,
    Charged,
    Hearing,
    Decided,
    IndependentReview,
    AppealWindow,
    Appeal,
    Final,
    SanctionLive,
    SanctionExpired,
    Withdrawn,
    Merged,
    RespondentResigned,
}

impl Stage {
    pub const ALL: [Stage; 22] = [
        Stage::Received,
        Stage::Acknowledged,
        Stage::Assessed,
        Stage::Dismissed,
        Stage::InformalResolution,
        Stage::Resolved,
        Stage::Investigation,
        Stage::DraftReport,
        Stage::AccuracyCheck,
        Stage::NoFurtherAction,
        Stage::Charged,
        Stage::Hearing,
        Stage::Decided,
        Stage::IndependentReview,
        Stage::AppealWindow,
        Stage::Appeal,
        Stage::Final,
        Stage::SanctionLive,
        Stage::SanctionExpired,
        Stage::Withdrawn,
        Stage::Merged,
        Stage::RespondentResigned,
    ];

    /// Open stages are the ones where the process still owes somebody an action; side exits
    /// (withdrawn, merged, resigned) are only possible from these.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Stage::Dismissed
                | Stage::Resolved
                | Stage::NoFurtherAction
                | Stage::Final
                | Stage::SanctionLive
                | Stage::SanctionExpired
                | Stage::Withdrawn
                | Stage::Merged
                | Stage::RespondentResigned
        )
    }

    /// The stable snake_case name used in storage, configuration and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Acknowledged => "acknowledged",
            Stage::Assessed => "assessed",
            Stage::Dismissed => "dismissed",
            Stage::InformalResolution => "informal_resolution",
            Stage::Resolved => "resolved",
            Stage::Investigation => "investigation",
            Stage::DraftReport => "draft_report",
            Stage::AccuracyCheck => "accuracy_check",
            Stage::NoFurtherAction => "no_further_action",
            Stage::Charged => "charged",
            Stage::Hearing => "hearing",
            Stage::Decided => "decided",
            Stage::IndependentReview => "independent_review",
            Stage::AppealWindow => "appeal_window",
            Stage::Appeal => "appeal",
            Stage::Final => "final",
            Stage::SanctionLive => "sanction_live",
            Stage::SanctionExpired => "sanction_expired",
            Stage::Withdrawn => "withdrawn",
            Stage::Merged => "merged",
            Stage::RespondentResigned => "respondent_resigned",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}
