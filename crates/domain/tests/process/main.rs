//! The default process, walked through `decide` and `apply`: every allowed transition, and
//! every rule that forbids one, with the rule named in the refusal.

use docket_domain::calendar::{Calendar, WorkingDays};
use docket_domain::charge::{ChargeDraft, Finding};
use docket_domain::command::{Complainant, Party, Respondent, ReviewVerdict};
use docket_domain::contact::{Channel, Contact};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::measure::{MeasureKind, Right};
use docket_domain::rulebook::{ClauseRef, RuleBook};
use docket_domain::sanction::SanctionChoice;
use docket_domain::{Case, Command, Context, Rule, Stage, apply, decide};
use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};

fn p(s: &str) -> PersonId {
    PersonId::parse(s).expect("person")
}
fn t(s: &str) -> Text {
    Text::parse(s).expect("text")
}

/// A case under test: commands run through decide, events through apply, at a movable "now".
struct Harness {
    rules: RuleBook,
    calendar: Calendar,
    now: Timestamp,
    case: Option<Case>,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            rules: RuleBook::default_rules(),
            calendar: Calendar::england_and_wales(),
            now: "2026-03-02T10:00:00Z".parse().expect("ts"),
            case: None,
        }
    }

    fn today(&self) -> Date {
        docket_domain::case::day_of(self.now)
    }

    fn advance_days(&mut self, days: i64) {
        self.now = self.now.checked_add((days * 24).hours()).expect("time");
    }

    fn try_run(&mut self, actor: &str, cmd: Command) -> Result<(), docket_domain::Violation> {
        let actor = p(actor);
        let ctx = Context {
            actor: &actor,
            now: self.now,
            rules: &self.rules,
            calendar: &self.calendar,
        };
        let events = decide(self.case.as_ref(), &cmd, &ctx)?;
        for e in &events {
            self.case = Some(apply(self.case.take(), e, self.now, &actor).expect("apply"));
        }
        Ok(())
    }

    fn run(&mut self, actor: &str, cmd: Command) {
        if let Err(v) = self.try_run(actor, cmd) {
            panic!("refused: {v}");
        }
    }

    fn refused(&mut self, actor: &str, cmd: Command, rule: Rule, words: &str) {
        let before = self.case.clone();
        match self.try_run(actor, cmd) {
            Ok(()) => panic!("expected a refusal under {rule:?}"),
            Err(v) => {
                assert_eq!(v.rule, rule, "{}", v.message);
                assert!(
                    v.message.contains(words),
                    "message {:?} should mention {words:?}",
                    v.message
                );
            }
        }
        assert_eq!(self.case, before, "a refused command changes nothing");
    }

    fn stage(&self) -> Stage {
        self.case.as_ref().expect("case").stage
    }

    fn case(&self) -> &Case {
        self.case.as_ref().expect("case")
    }
}

fn complaint(category: &str, elected: bool) -> Command {
    Command::ReceiveComplaint {
        id: CaseId::from_random(42),
        complainant: Complainant::Member {
            number: MembershipNumber::parse("PA100").expect("n"),
            name: "Ann Example".into(),
        },
        respondent: Respondent {
            member: MembershipNumber::parse("PA200").expect("n"),
            name: "Bob Example".into(),
            elected_office: elected.then(|| "MP for Northtown".to_string()),
        },
        category: category.into(),
        conduct_date: date(2026, 1, 15),
        summary: t("remarks at a meeting"),
        narrative: t("At the branch meeting on 15 January the respondent said ..."),
    }
}

fn charge_218() -> ChargeDraft {
    ChargeDraft {
        clause: ClauseRef::parse("2.1.8").expect("clause"),
        conduct_date: date(2026, 1, 15),
        particulars: t("remarks at the branch meeting"),
        evidence: vec![t("recording of the meeting")],
    }
}

/// Walks a case to the given stage along the main path.
fn case_at(stage: Stage, category: &str) -> Harness {
    let mut h = Harness::new();
    h.run("officer", complaint(category, true));
    let path = [
        Stage::Acknowledged,
        Stage::Assessed,
        Stage::Investigation,
        Stage::DraftReport,
        Stage::AccuracyCheck,
        Stage::Charged,
        Stage::Hearing,
        Stage::Decided,
    ];
    for next in path {
        if h.stage() == stage {
            break;
        }
        match next {
            Stage::Acknowledged => h.run("officer", Command::Acknowledge),
            Stage::Assessed => h.run(
                "officer",
                Command::Assess {
                    category: None,
                    assessment: t("in scope"),
                },
            ),
            Stage::Investigation => h.run(
                "officer",
                Command::OpenInvestigation {
                    investigator: p("ivy"),
                    terms: t("establish what was said"),
                },
            ),
            Stage::DraftReport => h.run(
                "ivy",
                Command::SubmitDraftReport {
                    summary: t("the remarks were made"),
                },
            ),
            Stage::AccuracyCheck => h.run("ivy", Command::StartAccuracyCheck),
            Stage::Charged => h.run(
                "cd",
                Command::Charge {
                    charges: vec![charge_218()],
                },
            ),
            Stage::Hearing => {
                let date = h.today();
                h.run(
                    "officer",
                    Command::ScheduleHearing {
                        draw: None,
                        panel: vec![p("p1"), p("p2"), p("p3")],
                        date,
                        venue: t("Head office"),
                    },
                )
            }
            Stage::Decided => h.run(
                "p1",
                Command::RecordDecision {
                    findings: vec![proven(1)],
                    sanction: Some(warning()),
                },
            ),
            _ => unreachable!(),
        }
    }
    assert_eq!(h.stage(), stage);
    h
}

fn proven(charge: u32) -> Finding {
    Finding {
        charge,
        proven: true,
        reasons: t("the recording shows it"),
        evidence_relied_on: vec![t("recording")],
    }
}

fn sanction(code: &str) -> SanctionChoice {
    SanctionChoice {
        code: code.into(),
        term_months: None,
        reapply_from: None,
        aggravating: vec![],
        mitigating: vec![t("first complaint")],
    }
}

fn warning() -> SanctionChoice {
    sanction("warning")
}

fn notify_and_open_window(h: &mut Harness) {
    h.run("officer", Command::NotifyOutcome);
    assert_eq!(h.stage(), Stage::AppealWindow);
}

mod allowed;
mod clocks;
mod conflicts;
mod disclosure;
mod forbidden;
mod policy;
mod policy_demo;
mod schedule;
