//! Clocks: when each stage and each interim measure is due, in working days from the rule
//! book and the organisation's calendar. Derived from state, so a rebuild recomputes them.
//!
//! A stage clock can be stopped with reasons (`PauseClock`) and restarted (`ResumeClock`):
//! the working days it was stopped do not count towards the stage's limit. While it is
//! stopped the stage has no due date, so it is never shown as overdue. Interim measures'
//! review dates are not moved by a pause: a measure is never extended without a decision.

use crate::calendar::{Calendar, WorkingDays};
use crate::case::{Case, day_of};
use crate::ids::{PersonId, Text};
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A time the stage clock was stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pause {
    pub from: Timestamp,
    /// When the clock was restarted; None while it is still stopped.
    pub until: Option<Timestamp>,
    pub reasons: Text,
    pub by: PersonId,
}

/// The date by which the current stage should be finished, if the rule book sets a limit
/// and the clock is running.
pub fn stage_due(case: &Case, rules: &RuleBook, calendar: &Calendar) -> Option<Date> {
    if !case.is_open() {
        return None;
    }
    if case.stage == Stage::AppealWindow {
        return case.appeal_deadline;
    }
    if case.paused().is_some() {
        return None;
    }
    let limit = rules.time_limits.for_stage(case.stage)?;
    // A decision is due a set time after the hearing itself, not after it was scheduled.
    let start = match (&case.stage, &case.hearing) {
        (Stage::Hearing, Some(h)) => h.date,
        _ => day_of(case.stage_entered),
    };
    let stopped: Vec<(Date, Date)> = case
        .pauses
        .iter()
        .filter_map(|p| p.until.map(|u| (day_of(p.from), day_of(u))))
        .collect();
    Some(due_with_pauses(calendar, start, limit, &stopped))
}

/// The date `limit` working days after `start` with the clock stopped over each of
/// `stopped`: a pair (from, to) stops it for the working days in (from, to], the days after
/// it was stopped up to and including the day it restarted. With no pauses this is
/// `add_working_days`; each stopped working day before the due date moves it one working
/// day later.
pub fn due_with_pauses(
    calendar: &Calendar,
    start: Date,
    limit: WorkingDays,
    stopped: &[(Date, Date)],
) -> Date {
    // The stopped days counted so far only grow, so this settles on the smallest date with
    // `limit` running working days after `start` (as `add_working_days` does for holidays).
    let mut seen = 0i64;
    loop {
        let extra = u32::try_from(seen).unwrap_or(u32::MAX);
        let due = calendar.add_working_days(start, WorkingDays(limit.0.saturating_add(extra)));
        let now = stopped_working_days(calendar, start, due, stopped);
        if now == seen || due == Date::MAX {
            return due;
        }
        seen = now;
    }
}

/// Working days in (start, end] on which the clock was stopped, each counted once however
/// many pauses cover it.
pub fn stopped_working_days(
    calendar: &Calendar,
    start: Date,
    end: Date,
    stopped: &[(Date, Date)],
) -> i64 {
    let mut spans: Vec<(Date, Date)> = stopped
        .iter()
        .map(|&(from, to)| (from.max(start), to.min(end)))
        .filter(|(from, to)| from < to)
        .collect();
    spans.sort();
    let mut total = 0;
    let mut covered_to: Option<Date> = None;
    for (from, to) in spans {
        let from = covered_to.map_or(from, |c| from.max(c));
        if from < to {
            total += calendar.working_days_between(from, to);
            covered_to = Some(to);
        }
    }
    total
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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn ew() -> Calendar {
        Calendar::england_and_wales()
    }

    #[test]
    fn a_pause_over_a_bank_holiday_week_moves_the_date_by_its_working_days() {
        let cal = ew();
        // Thursday 2026-12-17 plus 10 working days: Christmas Day, Boxing Day (observed on
        // Monday 28th) and New Year's Day are not working days, so the clock runs to
        // Tuesday 2027-01-05.
        let start = date(2026, 12, 17);
        let plain = cal.add_working_days(start, WorkingDays(10));
        assert_eq!(plain, date(2027, 1, 5));
        // Stopped from Monday 21st to Wednesday 30th: (21st, 30th] holds 22, 23, 24, 29, 30
        // as working days (25th, 28th are holidays, 26th-27th a weekend): five days later.
        let paused = due_with_pauses(
            &cal,
            start,
            WorkingDays(10),
            &[(date(2026, 12, 21), date(2026, 12, 30))],
        );
        assert_eq!(paused, cal.add_working_days(plain, WorkingDays(5)));
        assert_eq!(
            stopped_working_days(
                &cal,
                start,
                paused,
                &[(date(2026, 12, 21), date(2026, 12, 30))]
            ),
            5
        );
        // A pause over a weekend alone stops nothing.
        let weekend = [(date(2026, 12, 18), date(2026, 12, 20))];
        assert_eq!(
            due_with_pauses(&cal, start, WorkingDays(10), &weekend),
            plain
        );
    }

    #[test]
    fn overlapping_pauses_count_a_day_once() {
        let cal = ew();
        let start = date(2026, 3, 2);
        let a = (date(2026, 3, 2), date(2026, 3, 6));
        let b = (date(2026, 3, 4), date(2026, 3, 9));
        assert_eq!(
            stopped_working_days(&cal, start, date(2026, 4, 1), &[a, b]),
            5
        );
        assert_eq!(
            stopped_working_days(&cal, start, date(2026, 4, 1), &[b, a, b]),
            5
        );
    }

    fn day_number(d: Date) -> i64 {
        i64::from(d.since(date(2000, 1, 1)).map(|s| s.get_days()).unwrap_or(0))
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..2400).prop_map(|n| {
            date(2023, 1, 1)
                .checked_add(jiff::Span::new().days(n))
                .unwrap_or(date(2023, 1, 1))
        })
    }

    fn pauses() -> impl Strategy<Value = Vec<(Date, Date)>> {
        proptest::collection::vec((any_date(), 0i64..60), 0..5).prop_map(|v| {
            v.into_iter()
                .map(|(from, len)| {
                    let to = from
                        .checked_add(jiff::Span::new().days(len))
                        .unwrap_or(from);
                    (from, to)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn without_pauses_it_is_add_working_days(d in any_date(), n in 0u32..200) {
            let cal = ew();
            prop_assert_eq!(due_with_pauses(&cal, d, WorkingDays(n), &[]), cal.add_working_days(d, WorkingDays(n)));
        }

        #[test]
        fn the_due_date_has_exactly_the_limit_in_running_working_days(
            d in any_date(), n in 1u32..120, stopped in pauses()
        ) {
            let cal = ew();
            let due = due_with_pauses(&cal, d, WorkingDays(n), &stopped);
            let running = cal.working_days_between(d, due) - stopped_working_days(&cal, d, due, &stopped);
            prop_assert_eq!(running, i64::from(n));
            // And it is a running working day: not a weekend, a holiday or a stopped day.
            prop_assert!(cal.is_working_day(due));
            let day_before = due.yesterday().unwrap_or(due);
            prop_assert_eq!(stopped_working_days(&cal, day_before, due, &stopped), 0);
        }

        #[test]
        fn a_pause_never_brings_the_date_forward_and_stops_at_most_its_working_days(
            d in any_date(), n in 0u32..120, stopped in pauses()
        ) {
            let cal = ew();
            let plain = cal.add_working_days(d, WorkingDays(n));
            let due = due_with_pauses(&cal, d, WorkingDays(n), &stopped);
            prop_assert!(due >= plain);
            let all: i64 = stopped.iter().map(|&(a, b)| cal.working_days_between(a, b).max(0)).sum();
            prop_assert!(cal.working_days_between(plain, due) <= all);
            prop_assert!(day_number(due) >= day_number(plain));
        }

        #[test]
        fn pauses_after_the_due_date_or_before_the_start_change_nothing(
            d in any_date(), n in 0u32..120, len in 0i64..60
        ) {
            let cal = ew();
            let plain = cal.add_working_days(d, WorkingDays(n));
            let after = plain.checked_add(jiff::Span::new().days(len)).unwrap_or(plain);
            let before = d.checked_sub(jiff::Span::new().days(len)).unwrap_or(d);
            prop_assert_eq!(due_with_pauses(&cal, d, WorkingDays(n), &[(plain, after), (before, d)]), plain);
        }
    }
}
