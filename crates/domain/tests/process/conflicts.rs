//! Declared conflicts of interest: recorded on the case, they bar the person from acting on
//! it and from being given any function in it, and panel draws pass them over. A drawn panel
//! is accepted only as its recorded draw gives it.

use super::*;
use docket_domain::draw::{Candidate, DrawInput, Eligibility, Exclusion, Standing, draw};
use docket_domain::event::CaseEvent;
use docket_domain::function::Function;

fn declare(h: &mut Harness, by: &str, person: &str) {
    h.run(
        by,
        Command::DeclareConflict {
            person: p(person),
            interest: t("works for the respondent's constituency office"),
        },
    );
}

#[test]
fn a_conflicted_person_is_not_given_a_function() {
    let mut h = case_at(Stage::Assessed, "bullying");
    declare(&mut h, "ivy", "ivy");
    let c = &h.case().conflicts[0];
    assert_eq!((c.person.as_str(), c.recorded_by.as_str()), ("ivy", "ivy"));
    h.refused(
        "officer",
        Command::OpenInvestigation {
            investigator: p("ivy"),
            terms: t("establish what was said"),
        },
        Rule::ConflictOfInterest,
        "ivy may not be investigator in this case: they declared a conflict of interest on 2026-03-02",
    );
    h.run(
        "officer",
        Command::OpenInvestigation {
            investigator: p("ian"),
            terms: t("establish what was said"),
        },
    );
}

#[test]
fn a_conflicted_person_may_not_act_even_in_a_function_they_hold() {
    let mut h = case_at(Stage::Investigation, "bullying");
    // A case officer records the investigator's declaration for them.
    declare(&mut h, "officer", "ivy");
    h.refused(
        "ivy",
        Command::SubmitDraftReport {
            summary: t("the remarks were made"),
        },
        Rule::ConflictOfInterest,
        "ivy declared a conflict of interest in this case on 2026-03-02, so may not act on it (asked to submit draft report)",
    );
    // Declaring again is refused; declaring is still open to the conflicted person for
    // someone else.
    h.refused(
        "officer",
        Command::DeclareConflict {
            person: p("ivy"),
            interest: t("again"),
        },
        Rule::InvalidInput,
        "already declared",
    );
    declare(&mut h, "ivy", "officer");
    h.refused(
        "officer",
        Command::RecordContact {
            contact: Contact {
                who: t("A. Adviser"),
                organisation: None,
                channel: Channel::Phone,
                occurred_on: h.today(),
                summary: t("asked for news"),
            },
        },
        Rule::ConflictOfInterest,
        "asked to record contact",
    );
}

#[test]
fn panels_are_named_and_drawn_without_the_conflicted() {
    let mut h = case_at(Stage::Charged, "bullying");
    declare(&mut h, "p2", "p2");
    let today = h.today();
    h.refused(
        "officer",
        Command::ScheduleHearing {
            draw: None,
            panel: vec![p("p1"), p("p2"), p("p3")],
            date: today,
            venue: t("Head office"),
        },
        Rule::ConflictOfInterest,
        "p2 may not be hearing panel",
    );
    // The draw from the case's own record passes over the conflict and the investigator.
    let pool: Vec<Candidate> = ["p1", "p2", "p3", "p4", "ivy", "p5"]
        .iter()
        .map(|s| Candidate {
            person: p(s),
            standing: Standing::Member {
                since: date(2015, 1, 1),
            },
        })
        .collect();
    for seed in 0..20 {
        let input = DrawInput {
            function: Function::HearingPanel,
            size: 3,
            seed: [seed; 32],
            on: h.today(),
            pool: pool.clone(),
            eligibility: Eligibility::default(),
            conflicted: h.case().conflicted(),
        };
        let d = draw(&input, &h.case().functions).expect("draw");
        assert!(!d.drawn.contains(&p("p2")) && !d.drawn.contains(&p("ivy")));
        assert_eq!(
            d.excluded,
            vec![
                (p("p2"), Exclusion::Conflict),
                (
                    p("ivy"),
                    Exclusion::OtherFunction {
                        function: Function::Investigator
                    }
                ),
            ]
        );
        let mut again = Harness {
            rules: RuleBook::default_rules(),
            calendar: Calendar::england_and_wales(),
            now: h.now,
            case: h.case.clone(),
        };
        let schedule = |panel: Vec<PersonId>, draw: DrawInput| Command::ScheduleHearing {
            draw: Some(draw),
            panel,
            date: today,
            venue: t("Head office"),
        };
        // The panel must be the one the recorded draw gives, in its order...
        let mut reordered = d.drawn.clone();
        reordered.reverse();
        again.refused(
            "officer",
            schedule(reordered, input.clone()),
            Rule::PanelDrawMismatch,
            "is not the one its recorded draw gives",
        );
        // ...from a draw that passed over every declared conflict.
        let blind = DrawInput {
            conflicted: Default::default(),
            ..input.clone()
        };
        let blind_panel = draw(&blind, &h.case().functions).expect("draw").drawn;
        again.refused(
            "officer",
            schedule(blind_panel, blind),
            Rule::PanelDrawMismatch,
            "did not pass over the declared conflicts of p2",
        );
        let appeal = DrawInput {
            function: Function::AppealPanel,
            ..input.clone()
        };
        again.refused(
            "officer",
            schedule(d.drawn.clone(), appeal),
            Rule::InvalidInput,
            "the draw was for appeal_panel, not hearing_panel",
        );
        // The right panel is scheduled, and its event carries the draw, which re-runs to it.
        let cmd = schedule(d.drawn.clone(), input.clone());
        let actor = p("officer");
        let ctx = Context {
            actor: &actor,
            now: again.now,
            rules: &again.rules,
            calendar: &again.calendar,
        };
        let events = decide(again.case.as_ref(), &cmd, &ctx).expect("scheduled");
        match &events[..] {
            [
                CaseEvent::HearingScheduled {
                    panel,
                    draw: Some(recorded),
                    ..
                },
            ] => {
                let json = serde_json::to_string(recorded).expect("json");
                let replayed: DrawInput = serde_json::from_str(&json).expect("back");
                let before = &h.case().functions;
                assert_eq!(&draw(&replayed, before).expect("re-run").drawn, panel);
            }
            other => panic!("unexpected events {other:?}"),
        }
        again.run("officer", cmd);
        assert_eq!(again.stage(), Stage::Hearing);
    }
}
