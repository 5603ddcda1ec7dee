//! How domain values become columns and back. Both stores use these, so a row means the same
//! on SQLite and PostgreSQL and read-model dumps compare across backends.

use super::StoreError;
use crate::function::Function;
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::member::{Member, MemberStatus};
use crate::stage::Stage;
use crate::summary::CaseSummary;
use jiff::civil::Date;
use jiff::{Timestamp, Unit};

fn corrupt(what: &str, value: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}': {why}"))
}

/// Timestamps are stored as RFC 3339 UTC with exactly six fractional digits, so the stored
/// text is stable (the transparency log commits to it).
pub fn format_ts(t: Timestamp) -> String {
    let t = t.round(Unit::Microsecond).unwrap_or(t);
    format!("{t:.6}")
}

pub fn parse_ts(s: &str) -> Result<Timestamp, StoreError> {
    s.parse().map_err(|e| corrupt("timestamp", s, e))
}

pub fn format_date(d: Date) -> String {
    d.to_string()
}

pub fn parse_date(s: &str) -> Result<Date, StoreError> {
    s.parse().map_err(|e| corrupt("date", s, e))
}

fn parse_opt_date(s: Option<&str>) -> Result<Option<Date>, StoreError> {
    s.map(parse_date).transpose()
}

pub fn parse_function(s: &str) -> Result<Function, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| corrupt("function", s, e))
}

/// The `cases` table's columns as text and integers, in table order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: String,
    pub stage: String,
    pub category: String,
    pub received_on: String,
    pub stage_entered_on: String,
    pub respondent: String,
    pub stage_due: Option<String>,
    pub review_due: Option<String>,
    pub open: bool,
    pub active_measures: i64,
}

impl CaseRow {
    pub fn from_summary(s: &CaseSummary) -> CaseRow {
        CaseRow {
            id: s.id.to_string(),
            stage: s.stage.as_str().to_string(),
            category: s.category.clone(),
            received_on: format_date(s.received_on),
            stage_entered_on: format_date(s.stage_entered_on),
            respondent: s.respondent.to_string(),
            stage_due: s.stage_due.map(format_date),
            review_due: s.review_due.map(format_date),
            open: s.open,
            active_measures: i64::from(s.active_measures),
        }
    }

    /// Rebuilds the summary; `assignments` come from their own table.
    pub fn into_summary(
        self,
        assignments: Vec<(PersonId, Function)>,
    ) -> Result<CaseSummary, StoreError> {
        Ok(CaseSummary {
            id: CaseId::parse(&self.id).map_err(|e| corrupt("case id", &self.id, e))?,
            stage: Stage::parse(&self.stage)
                .ok_or_else(|| corrupt("stage", &self.stage, "unknown stage"))?,
            category: self.category,
            received_on: parse_date(&self.received_on)?,
            stage_entered_on: parse_date(&self.stage_entered_on)?,
            respondent: MembershipNumber::parse(&self.respondent)
                .map_err(|e| corrupt("membership number", &self.respondent, e))?,
            stage_due: parse_opt_date(self.stage_due.as_deref())?,
            review_due: parse_opt_date(self.review_due.as_deref())?,
            open: self.open,
            active_measures: self.active_measures as u32,
            assignments,
        })
    }

    pub fn dump_line(&self) -> String {
        format!("{self:?}")
    }
}

pub fn assignment_rows(s: &CaseSummary) -> Vec<(String, String)> {
    s.assignments
        .iter()
        .map(|(p, f)| (p.to_string(), f.as_str().to_string()))
        .collect()
}

pub fn parse_assignment(person: &str, function: &str) -> Result<(PersonId, Function), StoreError> {
    Ok((
        PersonId::parse(person).map_err(|e| corrupt("person", person, e))?,
        parse_function(function)?,
    ))
}

/// The `members` table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub number: String,
    pub name: String,
    pub joined_on: String,
    pub status: String,
    pub elected_office: Option<String>,
    pub region: Option<String>,
}

impl MemberRow {
    pub fn from_member(m: &Member) -> MemberRow {
        MemberRow {
            number: m.number.to_string(),
            name: m.name.clone(),
            joined_on: format_date(m.joined_on),
            status: m.status.as_str().to_string(),
            elected_office: m.elected_office.clone(),
            region: m.region.clone(),
        }
    }

    pub fn into_member(self) -> Result<Member, StoreError> {
        Ok(Member {
            number: MembershipNumber::parse(&self.number)
                .map_err(|e| corrupt("membership number", &self.number, e))?,
            name: self.name,
            joined_on: parse_date(&self.joined_on)?,
            status: MemberStatus::parse(&self.status)
                .ok_or_else(|| corrupt("member status", &self.status, "unknown status"))?,
            elected_office: self.elected_office,
            region: self.region,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_fixed_precision() {
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().expect("ts");
        assert_eq!(format_ts(t), "2026-11-22T10:00:00.000000Z");
        let t: Timestamp = "2026-11-22T10:00:00.123456789Z".parse().expect("ts");
        assert_eq!(format_ts(t), "2026-11-22T10:00:00.123457Z");
        assert_eq!(parse_ts(&format_ts(t)).map(format_ts), Ok(format_ts(t)));
    }
}
