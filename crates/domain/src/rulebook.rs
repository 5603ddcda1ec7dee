//! TEMPORARY STUB — replaced by the real rule book module.
use crate::calendar::WorkingDays;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClauseRef(String);
impl ClauseRef { pub fn parse(s: &str) -> Result<ClauseRef, String> { Ok(ClauseRef(s.into())) } pub fn as_str(&self) -> &str { &self.0 } }
impl std::fmt::Display for ClauseRef { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) } }
impl TryFrom<String> for ClauseRef { type Error = String; fn try_from(s: String) -> Result<Self, String> { ClauseRef::parse(&s) } }
impl From<ClauseRef> for String { fn from(c: ClauseRef) -> String { c.0 } }
#[derive(Debug, Clone, PartialEq)] pub struct RuleBook { pub organisation: String, pub clauses: Vec<Clause>, pub categories: Vec<Category>, pub sanctions: Vec<SanctionKind>, pub time_limits: TimeLimits, pub panels: Panels, pub interim_measures: InterimMeasureRules }
#[derive(Debug, Clone, PartialEq)] pub struct Clause { pub id: ClauseRef, pub title: String, pub versions: Vec<ClauseVersion> }
#[derive(Debug, Clone, PartialEq)] pub struct ClauseVersion { pub version: u32, pub in_force_from: Date, pub in_force_until: Option<Date>, pub text: String }
#[derive(Debug, Clone, PartialEq)] pub struct Category { pub code: String, pub name: String, pub independent_review: bool }
#[derive(Debug, Clone, PartialEq)] pub struct SanctionKind { pub code: String, pub name: String, pub live_months: Option<u32>, pub max_term_months: Option<u32>, pub ends_membership: bool, pub min_reapply_months: Option<u32> }
#[derive(Debug, Clone, PartialEq)] pub struct TimeLimits {}
impl TimeLimits { pub fn for_stage(&self, _s: Stage) -> Option<WorkingDays> { None } }
#[derive(Debug, Clone, PartialEq)] pub struct Panels { pub hearing: u8, pub appeal: u8 }
#[derive(Debug, Clone, PartialEq)] pub struct InterimMeasureRules { pub review_every: WorkingDays, pub whip_requires_leader_instruction: bool }
impl RuleBook {
 pub fn clause_as_worded(&self, id: &ClauseRef, on: Date) -> Option<(&Clause, &ClauseVersion)> { let c = self.clause(id)?; c.versions.iter().find(|v| v.in_force_from <= on && v.in_force_until.is_none_or(|u| on < u)).map(|v| (c, v)) }
 pub fn clause(&self, id: &ClauseRef) -> Option<&Clause> { self.clauses.iter().find(|c| &c.id == id) }
 pub fn sanction(&self, code: &str) -> Option<&SanctionKind> { self.sanctions.iter().find(|c| c.code == code) }
 pub fn category(&self, code: &str) -> Option<&Category> { self.categories.iter().find(|c| c.code == code) }
}
