//! Clocks: when each stage and each interim measure is due, in working days from the rule
//! book and the organisation's calendar. Derived from state, so a rebuild recomputes them.

use crate::calendar::Calendar;
use crate::case::{Case, day_of};
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;

/// The date by which the current stage should be finished, if the rule book sets a limit.
pub fn stage_due(case: &Case, rules: &RuleBook, calendar: &Calendar) -> Option<Date> {
    if !case.is_open() {
        return None;
    }
    if case.stage == Stage::AppealWindow {
        return case.appeal_deadline;
    }
    let limit = rules.time_limits.for_stage(case.stage)?;
    // A decision is due a set time after the hearing itself, not after it was scheduled.
    let start = match (&case.stage, &case.hearing) {
        (Stage::Hearing, Some(h)) => h.date,
        _ => day_of(case.stage_entered),
    };
    Some(calendar.add_working_days(start, limit))
}

/// The earliest review date among the case's active interim measures.
pub fn next_measure_review(case: &Case) -> Option<Date> {
    case.active_measures().map(|m| m.review_date).min()
}

/// Working days the current stage is past its due date (0 when on time or unclocked).
pub fn days_overdue(case: &Case, rules: &RuleBook, calendar: &Calendar, today: Date) -> i64 {
    stage_due(case, rules, calendar)
        .map(|due| calendar.working_days_between(due, today).max(0))
        .unwrap_or(0)
}
