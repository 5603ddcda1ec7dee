//! What time alone makes due: a reminder a few working days before a stage's due date, an
//! escalation once it passes, an unreviewed measure, each once; nothing while the clock is
//! stopped or after the case closes.

use super::*;
use docket_domain::event::CaseEvent;
use docket_domain::schedule::{REMIND_BEFORE, due};

fn owed(h: &Harness) -> Vec<CaseEvent> {
    due(
        h.case(),
        &h.rules,
        &h.calendar,
        h.now,
        h.rules.update_months,
    )
}

fn record(h: &mut Harness, events: &[CaseEvent]) {
    let actor = p("docket:scheduler");
    for e in events {
        h.case = Some(apply(h.case.take(), e, h.now, &actor).expect("apply"));
    }
}

fn advance_to(h: &mut Harness, day: Date) {
    while h.today() < day {
        h.advance_days(1);
    }
}

#[test]
fn a_stage_is_reminded_before_and_escalated_after_its_due_date_once_each() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let due_on = docket_domain::clock::stage_due(h.case(), &h.rules, &h.calendar).expect("due");
    assert!(
        owed(&h).is_empty(),
        "nothing is due on the day the stage starts"
    );

    while h.calendar.working_days_between(h.today(), due_on) > i64::from(REMIND_BEFORE.0) {
        assert!(owed(&h).is_empty(), "too early on {}", h.today());
        h.advance_days(1);
    }
    let reminder = owed(&h);
    assert_eq!(
        reminder,
        [CaseEvent::StageDueSoon {
            stage: Stage::Investigation,
            due: due_on
        }]
    );
    record(&mut h, &reminder);
    assert!(owed(&h).is_empty(), "the reminder goes once");

    advance_to(&mut h, due_on);
    assert!(owed(&h).is_empty(), "due today is not overdue");
    h.advance_days(1);
    let escalation = owed(&h);
    assert_eq!(
        escalation,
        [CaseEvent::StageOverdue {
            stage: Stage::Investigation,
            due: due_on
        }]
    );
    record(&mut h, &escalation);
    h.advance_days(30);
    assert!(
        owed(&h).is_empty(),
        "escalated once, however long it stays overdue"
    );
}

#[test]
fn a_stopped_clock_owes_no_reminder_and_a_closed_case_owes_nothing() {
    let mut h = case_at(Stage::Investigation, "bullying");
    h.run(
        "officer",
        Command::PauseClock {
            reasons: t("police investigation"),
        },
    );
    h.advance_days(200);
    assert!(owed(&h).is_empty());

    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("no breach alleged"),
        },
    );
    h.advance_days(400);
    assert!(owed(&h).is_empty());
}

#[test]
fn a_measure_past_its_review_date_is_marked_unreviewed_once_per_date_and_never_extended() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let review = h.calendar.add_working_days(h.today(), WorkingDays(10));
    h.run(
        "panel_chair",
        Command::ImposeSuspension {
            scope: vec![Right::Vote],
            reasons: t("risk to other members"),
            review_date: Some(review),
        },
    );
    advance_to(&mut h, review);
    h.advance_days(1);
    let owed_now: Vec<CaseEvent> = owed(&h)
        .into_iter()
        .filter(|e| matches!(e, CaseEvent::MeasureUnreviewed { .. }))
        .collect();
    assert_eq!(
        owed_now,
        [CaseEvent::MeasureUnreviewed {
            measure: 1,
            review_date: review
        }]
    );
    record(&mut h, &owed_now);
    assert!(
        !owed(&h)
            .iter()
            .any(|e| matches!(e, CaseEvent::MeasureUnreviewed { .. }))
    );
    assert_eq!(h.case().measures[0].review_date, review, "never extended");
    // A new reasoned review sets a new date; when that passes, it is unreviewed again.
    let next = h.calendar.add_working_days(h.today(), WorkingDays(20));
    h.run(
        "panel_chair",
        Command::ReviewMeasure {
            measure: 1,
            reasons: t("still needed"),
            next_review: Some(next),
        },
    );
    advance_to(&mut h, next);
    h.advance_days(1);
    assert!(owed(&h).contains(&CaseEvent::MeasureUnreviewed {
        measure: 1,
        review_date: next
    }));
}

#[test]
fn parties_are_updated_at_the_rule_books_interval() {
    use docket_domain::command::Party;
    use docket_domain::notice::NoticeKind;
    let updates = |h: &Harness| {
        owed(h)
            .into_iter()
            .filter(|e| matches!(e, CaseEvent::UpdateDue { .. }))
            .count()
    };
    for (months, first_update_after_weeks) in [(1, 5), (2, 9)] {
        let mut h = case_at(Stage::Investigation, "bullying");
        h.rules.update_months = months;
        let written = CaseEvent::NoticeIssued {
            number: h.case().notices.len() as u32 + 1,
            kind: NoticeKind::NoticeOfInvestigation,
            to: Party::Respondent,
            subject: "s".into(),
            text: "t".into(),
            html: "h".into(),
            sha256: "0".repeat(64),
        };
        record(&mut h, &[written]);
        let start = h.today();
        advance_to(
            &mut h,
            start + jiff::ToSpan::weeks(first_update_after_weeks - 1),
        );
        assert_eq!(
            updates(&h),
            0,
            "every {months} months: too early at {}",
            h.today()
        );
        advance_to(
            &mut h,
            start + jiff::ToSpan::weeks(first_update_after_weeks),
        );
        assert!(
            updates(&h) >= 1,
            "every {months} months: owed by {}",
            h.today()
        );
    }
}
