//! How domain values become columns and back. Both stores use these, so a row means the same
//! on SQLite and PostgreSQL and read-model dumps compare across backends.

use super::StoreError;
use crate::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, Scope, SessionRecord, Username,
};
use crate::function::Function;
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::member::{Member, MemberStatus};
use crate::role::Role;
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

/// Case `id`'s statistical facts from its row's column: a row without them (written before
/// they were kept) is an error naming the fix, never a case quietly left out of the figures.
pub fn facts_of_row(
    id: &str,
    facts: Option<&str>,
) -> Result<crate::statistics::CaseFacts, StoreError> {
    let facts = facts.ok_or_else(|| {
        StoreError::NotFound(format!(
            "statistical facts for case {id} (the read models predate them: run `docket rebuild`)"
        ))
    })?;
    parse_facts(facts)
}

/// A case's statistical facts from their stored JSON.
pub fn parse_facts(s: &str) -> Result<crate::statistics::CaseFacts, StoreError> {
    serde_json::from_str(s).map_err(|e| corrupt("case facts", s, e))
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
    /// NULL in rows written before titles were kept: `Store::untitled_cases` counts them,
    /// and the server rebuilds the read models at start when there are any.
    pub title: Option<String>,
    /// The case's statistical facts as JSON. NULL in rows written before they were kept
    /// (counted with untitled rows, so the server rebuilds), and None where a read did not
    /// ask for them.
    pub facts: Option<String>,
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
            title: Some(s.title.clone()),
            facts: s.facts.as_ref().and_then(|f| serde_json::to_string(f).ok()),
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
            title: self.title.unwrap_or_default(),
            facts: self.facts.as_deref().map(parse_facts).transpose()?,
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
    pub email: Option<String>,
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
            email: m.email.clone(),
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
            email: self.email,
        })
    }
}

fn parse_opt_ts(s: Option<&str>) -> Result<Option<Timestamp>, StoreError> {
    s.map(parse_ts).transpose()
}

/// Lists are stored as one comma-separated column: role and scope names and hex hashes
/// never contain a comma, and one column keeps both schemas plain.
fn join<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(|p| !p.is_empty())
}

fn username(s: &str) -> Result<Username, StoreError> {
    Username::parse(s).map_err(|e| corrupt("username", s, e))
}

/// The `accounts` table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub username: String,
    pub person: String,
    pub display_name: String,
    pub roles: String,
    pub member: Option<String>,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub recovery_codes: String,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl AccountRow {
    pub fn from_account(a: &Account) -> AccountRow {
        AccountRow {
            username: a.username.to_string(),
            person: a.person.to_string(),
            display_name: a.display_name.clone(),
            roles: join(a.roles.iter().map(|r| r.as_str())),
            member: a.member.as_ref().map(|m| m.to_string()),
            password_hash: a.password_hash.clone(),
            totp_secret: a.totp_secret.clone(),
            recovery_codes: join(&a.recovery_codes),
            disabled: a.disabled,
            failed_logins: i64::from(a.failed_logins),
            locked_until: a.locked_until.map(format_ts),
            created_at: format_ts(a.created_at),
        }
    }

    pub fn into_account(self) -> Result<Account, StoreError> {
        Ok(Account {
            username: username(&self.username)?,
            person: PersonId::parse(&self.person)
                .map_err(|e| corrupt("person", &self.person, e))?,
            display_name: self.display_name,
            roles: split(&self.roles)
                .map(|r| Role::parse(r).map_err(|e| corrupt("role", r, e)))
                .collect::<Result<_, _>>()?,
            member: self
                .member
                .as_deref()
                .map(|m| MembershipNumber::parse(m).map_err(|e| corrupt("membership number", m, e)))
                .transpose()?,
            password_hash: self.password_hash,
            totp_secret: self.totp_secret,
            recovery_codes: split(&self.recovery_codes).map(String::from).collect(),
            disabled: self.disabled,
            failed_logins: u32::try_from(self.failed_logins).unwrap_or(u32::MAX),
            locked_until: parse_opt_ts(self.locked_until.as_deref())?,
            created_at: parse_ts(&self.created_at)?,
        })
    }
}

/// The recovery-code column without the code with this hash, or None if it has no such code.
pub fn without_recovery_code(stored: &str, code_hash: &str) -> Option<String> {
    let codes: Vec<&str> = split(stored).collect();
    let kept: Vec<&str> = codes.iter().copied().filter(|c| *c != code_hash).collect();
    (kept.len() < codes.len()).then(|| join(kept))
}

/// The `api_tokens` table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token_id: String,
    pub secret_hash: String,
    pub username: String,
    pub scopes: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl TokenRow {
    pub fn from_record(t: &ApiTokenRecord) -> TokenRow {
        TokenRow {
            token_id: t.token_id.clone(),
            secret_hash: t.secret_hash.clone(),
            username: t.username.to_string(),
            scopes: join(t.scopes.iter().map(|s| s.as_str())),
            label: t.label.clone(),
            created_at: format_ts(t.created_at),
            revoked_at: t.revoked_at.map(format_ts),
        }
    }

    pub fn into_record(self) -> Result<ApiTokenRecord, StoreError> {
        Ok(ApiTokenRecord {
            username: username(&self.username)?,
            scopes: split(&self.scopes)
                .map(|s| Scope::parse(s).map_err(|e| corrupt("scope", s, e)))
                .collect::<Result<_, _>>()?,
            created_at: parse_ts(&self.created_at)?,
            revoked_at: parse_opt_ts(self.revoked_at.as_deref())?,
            token_id: self.token_id,
            secret_hash: self.secret_hash,
            label: self.label,
        })
    }
}

/// The `receipts` table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    pub code: String,
    pub case_id: String,
    pub passphrase_hash: String,
    pub failed: i64,
    pub locked_until: Option<String>,
}

impl ReceiptRow {
    pub fn from_receipt(r: &Receipt) -> ReceiptRow {
        ReceiptRow {
            code: r.code.to_string(),
            case_id: r.case.to_string(),
            passphrase_hash: r.passphrase_hash.clone(),
            failed: i64::from(r.failed),
            locked_until: r.locked_until.map(format_ts),
        }
    }

    pub fn into_receipt(self) -> Result<Receipt, StoreError> {
        Ok(Receipt {
            code: ReceiptCode::parse(&self.code)
                .map_err(|e| corrupt("receipt code", &self.code, e))?,
            case: CaseId::parse(&self.case_id).map_err(|e| corrupt("case id", &self.case_id, e))?,
            passphrase_hash: self.passphrase_hash,
            failed: u32::try_from(self.failed).unwrap_or(u32::MAX),
            locked_until: parse_opt_ts(self.locked_until.as_deref())?,
        })
    }
}

/// The `sessions` table's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id_hash: String,
    pub username: Option<String>,
    pub receipt_for: Option<String>,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: String,
    pub expires_at: String,
    pub last_seen: String,
}

impl SessionRow {
    pub fn from_record(s: &SessionRecord) -> SessionRow {
        SessionRow {
            id_hash: s.id_hash.clone(),
            username: s.username.as_ref().map(|u| u.to_string()),
            receipt_for: s.receipt_for.as_ref().map(|c| c.to_string()),
            csrf_token: s.csrf_token.clone(),
            second_factor_done: s.second_factor_done,
            created_at: format_ts(s.created_at),
            expires_at: format_ts(s.expires_at),
            last_seen: format_ts(s.last_seen),
        }
    }

    pub fn into_record(self) -> Result<SessionRecord, StoreError> {
        Ok(SessionRecord {
            username: self.username.as_deref().map(username).transpose()?,
            receipt_for: self
                .receipt_for
                .as_deref()
                .map(|c| CaseId::parse(c).map_err(|e| corrupt("case id", c, e)))
                .transpose()?,
            created_at: parse_ts(&self.created_at)?,
            expires_at: parse_ts(&self.expires_at)?,
            last_seen: parse_ts(&self.last_seen)?,
            id_hash: self.id_hash,
            csrf_token: self.csrf_token,
            second_factor_done: self.second_factor_done,
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

    #[test]
    fn recovery_codes_are_removed_one_at_a_time() {
        assert_eq!(without_recovery_code("a,b,c", "b"), Some("a,c".into()));
        assert_eq!(without_recovery_code("a", "a"), Some(String::new()));
        assert_eq!(without_recovery_code("a,c", "b"), None);
        assert_eq!(without_recovery_code("", "b"), None);
    }
}
