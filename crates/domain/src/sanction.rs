//! Sanctions come from the rule book's menu; the decision picks one and the rule book says
//! how long it is live.

use crate::ids::Text;
use crate::rule::{Rule, Violation};
use crate::rulebook::{RuleBook, SanctionKind};
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};

pub const NO_FURTHER_ACTION: &str = "no_further_action";

/// The sanction a panel chooses, with the factors it weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SanctionChoice {
    pub code: String,
    /// For menu entries whose term the panel chooses (fixed-term suspension, bar on standing).
    #[serde(default)]
    pub term_months: Option<u32>,
    /// For sanctions that end membership: the date from which the person may apply to rejoin.
    #[serde(default)]
    pub reapply_from: Option<Date>,
    #[serde(default)]
    pub aggravating: Vec<Text>,
    #[serde(default)]
    pub mitigating: Vec<Text>,
}

impl SanctionChoice {
    pub fn is_no_further_action(&self) -> bool {
        self.code == NO_FURTHER_ACTION
    }

    /// The menu entry this choice names.
    pub fn kind<'r>(&self, rules: &'r RuleBook) -> Result<&'r SanctionKind, Violation> {
        rules.sanction(&self.code).ok_or_else(|| {
            let menu: Vec<&str> = rules.sanctions.iter().map(|s| s.code.as_str()).collect();
            Violation::new(
                Rule::SanctionNotInMenu,
                format!(
                    "'{}' is not on the rule book's sanctions menu (the menu is: {})",
                    self.code,
                    menu.join(", ")
                ),
            )
        })
    }

    /// Checks the choice against the menu as at `decided_on`.
    pub fn validate<'r>(
        &self,
        rules: &'r RuleBook,
        decided_on: Date,
    ) -> Result<&'r SanctionKind, Violation> {
        let kind = self.kind(rules)?;
        match (kind.max_term_months, self.term_months) {
            (Some(max), Some(t)) if t == 0 || t > max => {
                return Err(Violation::new(
                    Rule::SanctionTerm,
                    format!("{} may run for 1 to {max} months; {t} was given", kind.name),
                ));
            }
            (Some(max), None) => {
                return Err(Violation::new(
                    Rule::SanctionTerm,
                    format!("{} needs a term of 1 to {max} months", kind.name),
                ));
            }
            (None, Some(_)) => {
                return Err(Violation::new(
                    Rule::SanctionTerm,
                    format!("{} does not take a term chosen by the panel", kind.name),
                ));
            }
            _ => {}
        }
        if kind.ends_membership {
            let min_months = kind.min_reapply_months.unwrap_or(0);
            let earliest = add_months(decided_on, min_months);
            match self.reapply_from {
                None => {
                    return Err(Violation::new(
                        Rule::ReapplyDate,
                        format!(
                            "{} needs a date from which the person may reapply (no earlier than {earliest})",
                            kind.name
                        ),
                    ));
                }
                Some(d) if d < earliest => {
                    return Err(Violation::new(
                        Rule::ReapplyDate,
                        format!(
                            "the reapply date {d} is earlier than the rule book allows ({min_months} months after the decision: {earliest})"
                        ),
                    ));
                }
                _ => {}
            }
        } else if self.reapply_from.is_some() {
            return Err(Violation::new(
                Rule::ReapplyDate,
                format!(
                    "{} does not end membership, so it takes no reapply date",
                    kind.name
                ),
            ));
        }
        Ok(kind)
    }

    /// The last day the sanction is live when it takes effect on `from`, or None when it has
    /// no end (removal from office, an apology, a course).
    pub fn live_until(&self, kind: &SanctionKind, from: Date) -> Option<Date> {
        if kind.ends_membership {
            return self.reapply_from;
        }
        kind.live_months
            .or(self.term_months)
            .map(|m| add_months(from, m))
    }
}

/// Calendar months, saturating at the end of jiff's range rather than failing.
pub fn add_months(d: Date, months: u32) -> Date {
    d.checked_add(i64::from(months).months())
        .unwrap_or_else(|_| d.saturating_add(Span::new()))
}
