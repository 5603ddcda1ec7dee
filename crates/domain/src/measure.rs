//! Interim measures: reasoned decisions separate from any finding, each with a review date it
//! may not run past without a new reasoned decision.

use crate::calendar::Calendar;
use crate::ids::{PersonId, Text};
use crate::rule::{Rule, Violation};
use crate::rulebook::RuleBook;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Which membership rights an administrative suspension removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    AttendMeetings,
    Vote,
    HoldOffice,
    StandForSelection,
    RepresentTheOrganisation,
}

impl Right {
    /// The right as the verb a person is barred from: "you may not attend meetings".
    pub fn words(self) -> &'static str {
        match self {
            Right::AttendMeetings => "attend meetings",
            Right::Vote => "vote",
            Right::HoldOffice => "hold office",
            Right::StandForSelection => "stand for selection",
            Right::RepresentTheOrganisation => "represent the organisation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasureKind {
    AdministrativeSuspension {
        scope: Vec<Right>,
    },
    /// Withdrawal of the parliamentary whip, on the leader's recorded instruction.
    WhipWithdrawal {
        instruction: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureReview {
    pub at: Timestamp,
    pub by: PersonId,
    pub reasons: Text,
    pub next_review: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measure {
    pub number: u32,
    pub kind: MeasureKind,
    pub reasons: Text,
    pub imposed_at: Timestamp,
    pub imposed_by: PersonId,
    pub review_date: Date,
    pub reviews: Vec<MeasureReview>,
    pub lifted: Option<(Timestamp, Text)>,
}

impl Measure {
    pub fn is_active(&self) -> bool {
        self.lifted.is_none()
    }

    /// Past its review date with no new decision: the case page shows it as overdue.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_active() && self.review_date < today
    }
}

/// A leader's recorded instruction to withdraw the whip; the chief whip's action cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeaderInstruction {
    pub number: u32,
    pub by: PersonId,
    pub at: Timestamp,
    pub instruction: Text,
    pub used: bool,
}

/// A review date must exist, lie in the future and fall within the rule book's review interval.
pub fn check_review_date(
    review_date: Option<Date>,
    today: Date,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Result<Date, Violation> {
    let Some(d) = review_date else {
        return Err(Violation::new(
            Rule::ReviewDateRequired,
            "an interim measure needs a review date: it may not run without one",
        ));
    };
    if d <= today {
        return Err(Violation::new(
            Rule::ReviewDateInPast,
            format!("the review date {d} must be after today ({today})"),
        ));
    }
    let every = rules.interim_measures.review_every;
    let latest = calendar.add_working_days(today, every);
    if d > latest {
        return Err(Violation::new(
            Rule::ReviewDateTooLate,
            format!(
                "the review date {d} is more than {} working days away; the rule book requires a review by {latest}",
                every.0
            ),
        ));
    }
    Ok(d)
}
