//! The case summary read model: what queues, lists and the status page need. It holds no
//! names and no narrative; the one piece of content in it is the case's title (the
//! complaint's one-line summary), kept so the staff home can search titles without folding
//! every case. Whoever shows or matches the title asks the gate first: oversight and
//! officeholders see the rest of the row, never the title.
//!
//! It deliberately holds no version: most commands (a contact recorded, a measure reviewed)
//! leave the summary unchanged, and then the store need not write the row at all.

use crate::calendar::Calendar;
use crate::case::{Case, day_of};
use crate::clock;
use crate::function::Function;
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub stage: Stage,
    pub category: String,
    pub received_on: Date,
    pub stage_entered_on: Date,
    pub respondent: MembershipNumber,
    pub stage_due: Option<Date>,
    pub review_due: Option<Date>,
    pub open: bool,
    pub active_measures: u32,
    pub assignments: Vec<(PersonId, Function)>,
    /// The complaint's one-line summary. Case content: never serialised, and shown or
    /// searched only for someone the gate lets read the case's content.
    #[serde(skip)]
    pub title: String,
    /// What the statistics need of the case (no names, no content), kept beside the
    /// summary so figures come from read models; None where a store read only the summary.
    #[serde(skip)]
    pub facts: Option<crate::statistics::CaseFacts>,
}

impl CaseSummary {
    pub fn of(case: &Case, rules: &RuleBook, calendar: &Calendar) -> CaseSummary {
        CaseSummary {
            id: case.id.clone(),
            stage: case.stage,
            category: case.category.clone(),
            received_on: day_of(case.received_at),
            stage_entered_on: day_of(case.stage_entered),
            respondent: case.respondent.member.clone(),
            stage_due: clock::stage_due(case, rules, calendar),
            review_due: clock::next_measure_review(case),
            open: case.is_open(),
            active_measures: case.active_measures().count() as u32,
            assignments: case.functions.holders.clone(),
            title: case.summary.to_string(),
            facts: Some(crate::statistics::CaseFacts::of(case)),
        }
    }

    pub fn stage_overdue(&self, today: Date) -> bool {
        self.stage_due.is_some_and(|d| d < today)
    }

    pub fn review_overdue(&self, today: Date) -> bool {
        self.review_due.is_some_and(|d| d < today)
    }

    pub fn is_overdue(&self, today: Date) -> bool {
        self.stage_overdue(today) || self.review_overdue(today)
    }
}
