//! What falls due on a case by the passing of time alone: a reminder before a stage's due
//! date, an escalation once it has passed, an interim measure past its review date with no
//! new decision (marked unreviewed; never extended), and the regular update each party is owed
//! while the case is open. Decided here from the case and the date, so every server decides
//! the same; each item has a key recorded in the case when it is done, so it is done once
//! however many servers run the schedule, or how often.

use crate::calendar::{Calendar, WorkingDays};
use crate::case::{Case, day_of};
use crate::clock::stage_due;
use crate::command::{Complainant, Party};
use crate::event::CaseEvent;
use crate::notice::NoticeKind;
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;
use jiff::{Timestamp, Unit};

/// How many working days before a stage's due date its reminder goes.
pub const REMIND_BEFORE: WorkingDays = WorkingDays(5);

/// What the schedule owes `case` on `now`, as the events that record it, each at most once.
/// `update_months` is how often the parties are written to while the case is open.
pub fn due(
    case: &Case,
    rules: &RuleBook,
    calendar: &Calendar,
    now: Timestamp,
    update_months: u32,
) -> Vec<CaseEvent> {
    if !case.is_open() {
        return Vec::new();
    }
    let today = day_of(now);
    let mut out = Vec::new();
    let mut push = |event: CaseEvent| {
        if key(&event).is_some_and(|k| !case.scheduled.contains(&k)) {
            out.push(event);
        }
    };
    // The appeal window's deadline is the respondent's, not the organisation's to meet.
    if case.stage != Stage::AppealWindow
        && let Some(due) = stage_due(case, rules, calendar)
    {
        let stage = case.stage;
        if due < today {
            push(CaseEvent::StageOverdue { stage, due });
        } else if calendar.working_days_between(today, due) <= i64::from(REMIND_BEFORE.0) {
            push(CaseEvent::StageDueSoon { stage, due });
        }
    }
    for m in case.active_measures().filter(|m| m.is_overdue(today)) {
        push(CaseEvent::MeasureUnreviewed {
            measure: m.number,
            review_date: m.review_date,
        });
    }
    for party in [Party::Complainant, Party::Respondent] {
        if let Some(since) = update_due(case, party, today, update_months) {
            push(CaseEvent::UpdateDue { to: party, since });
        }
    }
    out
}

/// Something the schedule escalated to oversight: a stage past its due date, or a measure
/// past its review date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Escalation {
    pub at: Timestamp,
    pub what: String,
}

/// The escalation an event is, in words, if it is one.
pub fn escalation(event: &CaseEvent) -> Option<String> {
    match event {
        CaseEvent::StageOverdue { stage, due } => {
            Some(format!("stage {stage} overdue (it was due on {due})"))
        }
        CaseEvent::MeasureUnreviewed {
            measure,
            review_date,
        } => Some(format!(
            "interim measure {measure} unreviewed (its review was due on {review_date})"
        )),
        _ => None,
    }
}

/// The key that makes a scheduled event happen once: recorded in the case when the event is
/// applied, and asked before it is decided again. None for events the schedule never makes.
pub fn key(event: &CaseEvent) -> Option<String> {
    Some(match event {
        CaseEvent::StageOverdue { stage, due } => format!("overdue/{}/{due}", stage.as_str()),
        CaseEvent::StageDueSoon { stage, due } => format!("reminder/{}/{due}", stage.as_str()),
        CaseEvent::MeasureUnreviewed {
            measure,
            review_date,
        } => format!("unreviewed/{measure}/{review_date}"),
        CaseEvent::UpdateDue { to, since } => format!("update/{}/{since}", to.as_str()),
        _ => return None,
    })
}

/// The date of the last letter to `party` if an update is now owed: the party is one the case
/// keeps informed, has been written to before (the respondent once told of the complaint),
/// and nothing has been sent for `months` whole months.
fn update_due(case: &Case, party: Party, today: Date, months: u32) -> Option<Date> {
    if party == Party::Complainant && matches!(case.complainant, Complainant::ThirdParty { .. }) {
        return None;
    }
    let last = case
        .notices
        .iter()
        .filter(|n| n.to == party)
        .map(|n| day_of(n.issued_at))
        .max()?;
    // Only once the party has had a letter about the case itself, not just an update.
    let told = case
        .notices
        .iter()
        .any(|n| n.to == party && n.kind != NoticeKind::Update);
    let elapsed = today
        .since((Unit::Month, last))
        .map(|s| i64::from(s.get_months()))
        .unwrap_or(0);
    (told && elapsed >= i64::from(months)).then_some(last)
}
