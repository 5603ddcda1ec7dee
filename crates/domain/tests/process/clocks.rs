//! The stage clock stopped with reasons and restarted: stopped working days do not count,
//! a stopped clock is never overdue, interim measures' review dates never move, and the
//! appeal window's deadline cannot be stopped.

use super::*;
use docket_domain::clock::stage_due;

fn due(h: &Harness) -> Option<Date> {
    stage_due(h.case(), &h.rules, &h.calendar)
}

fn pause() -> Command {
    Command::PauseClock {
        reasons: t("the respondent is in hospital until further notice"),
    }
}

#[test]
fn a_stopped_clock_has_no_due_date_and_restarts_later_by_the_days_it_was_stopped() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let before = due(&h).expect("investigation is clocked");
    let entered = h.today();
    assert_eq!(
        h.calendar.working_days_between(entered, before),
        i64::from(
            h.rules
                .time_limits
                .for_stage(Stage::Investigation)
                .expect("limit")
                .0
        )
    );
    h.run("officer", pause());
    assert_eq!(
        due(&h),
        None,
        "stopped: nothing is due, so nothing is overdue"
    );
    let paused_on = h.today();
    h.advance_days(14);
    h.run("officer", Command::ResumeClock);
    let stopped = h.calendar.working_days_between(paused_on, h.today());
    assert!(
        stopped >= 9,
        "two weeks stop nine or ten working days: {stopped}"
    );
    let after = due(&h).expect("running again");
    assert_eq!(h.calendar.working_days_between(before, after), stopped);
    let p = &h.case().pauses[0];
    assert_eq!(
        p.reasons.as_str(),
        "the respondent is in hospital until further notice"
    );
    assert!(p.until.is_some());
}

#[test]
fn a_clock_is_stopped_once_and_restarted_only_when_stopped() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.refused(
        "officer",
        Command::ResumeClock,
        Rule::ClockNotPaused,
        "running",
    );
    h.run("officer", pause());
    h.refused(
        "officer",
        pause(),
        Rule::ClockAlreadyPaused,
        "has been stopped since",
    );
    h.run("officer", Command::ResumeClock);
    h.run("officer", pause());
    assert_eq!(h.case().pauses.len(), 2);
}

#[test]
fn a_pause_never_moves_an_interim_measure_s_review_date() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let review = h
        .calendar
        .add_working_days(h.today(), docket_domain::calendar::WorkingDays(20));
    h.run(
        "panel_chair",
        Command::ImposeSuspension {
            scope: vec![Right::AttendMeetings],
            reasons: t("risk to other members pending the investigation"),
            review_date: Some(review),
        },
    );
    h.run("officer", pause());
    h.advance_days(30);
    h.run("officer", Command::ResumeClock);
    let m = &h.case().measures[0];
    assert_eq!(m.review_date, review);
    assert!(
        m.is_overdue(h.today()),
        "the review is overdue whatever the stage clock did"
    );
}

#[test]
fn the_appeal_window_cannot_be_stopped() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    assert_eq!(h.stage(), Stage::AppealWindow);
    h.refused("officer", pause(), Rule::ClockNotPausable, "appeal window");
}

#[test]
fn a_closed_case_has_no_clock_to_stop() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("no breach alleged"),
        },
    );
    h.refused(
        "officer",
        pause(),
        Rule::StageOrder,
        "only possible while a case is open",
    );
}
