//! Charges cite a rule-book clause as worded on the date of the conduct; a decision holds a
//! finding per charge.

use crate::ids::Text;
use crate::rulebook::ClauseRef;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A charge as the charging decision-maker proposes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeDraft {
    pub clause: ClauseRef,
    /// When the conduct happened; decides which wording of the clause applies.
    pub conduct_date: Date,
    pub particulars: Text,
    #[serde(default)]
    pub evidence: Vec<Text>,
}

/// A charge as laid, with the clause text frozen as it was worded on the conduct date, so a
/// later rule-book amendment cannot change what the respondent was charged with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Charge {
    pub number: u32,
    pub clause: ClauseRef,
    pub clause_version: u32,
    pub clause_text: String,
    pub conduct_date: Date,
    pub particulars: Text,
    pub evidence: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The charge's number (1-based, as on the charge sheet).
    pub charge: u32,
    pub proven: bool,
    pub reasons: Text,
    #[serde(default)]
    pub evidence_relied_on: Vec<Text>,
}
