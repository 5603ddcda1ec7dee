//! The generic walk along the default process. A fate says where a case stops (open at a
//! stage) or how it closes; the walk takes every step a real case would take to get there.

use super::people::Staff;
use super::sim::{Sim, text};
use docket_domain::Stage;
use docket_domain::charge::{ChargeDraft, Finding};
use docket_domain::command::{Command, ReviewVerdict};
use docket_domain::measure::Right;
use docket_domain::rulebook::ClauseRef;
use docket_domain::sanction::{SanctionChoice, add_months};
use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still open today, at this stage.
    Open(Stage),
    Dismissed,
    Resolved,
    NoFurtherAction,
    NotProven,
    /// A sanction other than expulsion: the menu code.
    Lesser(&'static str),
    Expelled,
    /// The respondent resigned once the case reached this stage.
    Resigned(Stage),
    Withdrawn(Stage),
}

impl Ending {
    pub fn is_open(self) -> bool {
        matches!(self, Ending::Open(_))
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub ending: Ending,
    pub category: &'static str,
    /// An interim suspension from the start of the investigation.
    pub suspend: bool,
    pub appeal: bool,
    /// Whether the last stage's sitting time pushes it past its clock.
    pub linger_days: i64,
}

/// True once the walk has reached where the plan stops it (closing the case if it must).
fn stop_here(sim: &mut Sim, plan: &Plan, staff: &Staff) -> anyhow::Result<bool> {
    let stage = sim.stage();
    match plan.ending {
        Ending::Open(s) if s == stage => {
            sim.wait(plan.linger_days)?;
            Ok(true)
        }
        Ending::Resigned(s) if s == stage => {
            sim.wait_between(5, 60)?;
            sim.lift_all("Membership ended: the respondent resigned.")?;
            let officer = sim.pick(&staff.case_officers).clone();
            sim.step(
                &officer,
                Command::RecordResignation {
                    note: Some(text(
                        "The respondent resigned from the party while the case was open.",
                    )),
                },
            )?;
            Ok(true)
        }
        Ending::Withdrawn(s) if s == stage => {
            sim.wait_between(3, 30)?;
            sim.lift_all("The complaint was withdrawn.")?;
            let officer = sim.pick(&staff.case_officers).clone();
            sim.step(&officer, Command::Withdraw { reasons: text("The complainant withdrew the complaint and no wider concern was identified.") })?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn clauses_for(category: &str) -> &'static [&'static str] {
    match category {
        "antisemitism" | "other_racism" => &["2.1.9", "2.1.8"],
        "sexual_harassment" | "bullying" => &["2.1.4", "2.1.8"],
        "online_abuse" => &["2.1.4", "2.1.1"],
        _ => &["2.1.8", "2.1.1"],
    }
}

/// Walks the case from its complaint (already received) to the plan's ending.
pub fn walk(sim: &mut Sim, plan: &Plan, staff: &Staff) -> anyhow::Result<()> {
    let officer = sim.pick(&staff.case_officers).clone();
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(1, 6)?;
    sim.step(&officer, Command::Acknowledge)?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(3, 14)?;
    sim.step(&officer, Command::Assess { category: None, assessment: text("The complaint is within the rules' scope and identifies the conduct complained of.") })?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(1, 7)?;
    match plan.ending {
        Ending::Dismissed => {
            return sim.step(&officer, Command::Dismiss { reasons: text("The conduct described, if proven, would not breach the rule book. Both parties are told.") });
        }
        Ending::Resolved | Ending::Open(Stage::InformalResolution) => {
            sim.step(
                &officer,
                Command::StartInformalResolution {
                    reasons: text("Both parties agreed to try informal resolution."),
                },
            )?;
            if stop_here(sim, plan, staff)? {
                return Ok(());
            }
            sim.wait_between(10, 40)?;
            return sim.step(
                &officer,
                Command::ResolveInformally {
                    outcome: text(
                        "The respondent apologised and the complainant accepted the apology.",
                    ),
                },
            );
        }
        _ => {}
    }
    let investigator = sim.pick(&staff.investigators).clone();
    sim.step(
        &officer,
        Command::OpenInvestigation {
            investigator: investigator.clone(),
            terms: text("Establish what was said and done, and whether it breaches the rule book."),
        },
    )?;
    let disputes = sim.pick(&staff.disputes_panel).clone();
    sim.reviewer = disputes.clone();
    if plan.suspend {
        sim.wait_between(0, 5)?;
        let ahead = sim.rng.random_range(30..=60);
        let review = sim.working_days_ahead(ahead);
        sim.step(&disputes, Command::ImposeSuspension { scope: vec![Right::AttendMeetings, Right::HoldOffice, Right::StandForSelection], reasons: text("The allegations are serious and the respondent holds a public role; this is not a finding."), review_date: Some(review) })?;
    }
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(40, 110)?;
    sim.step(&investigator, Command::SubmitDraftReport { summary: text("The investigator's draft report sets out the evidence gathered and the accounts of both parties.") })?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(4, 12)?;
    sim.step(&investigator, Command::StartAccuracyCheck)?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(8, 16)?;
    if plan.ending == Ending::NoFurtherAction {
        sim.lift_all("No further action: the measure ends with the case.")?;
        return sim.step(&disputes, Command::DecideNoFurtherAction { reasons: text("The evidence does not show a breach of the rule book to the standard required for a charge.") });
    }
    let conduct = sim.case().conduct_date;
    let clauses = clauses_for(plan.category);
    let n_charges = sim.rng.random_range(1..=2);
    let charges = (0..n_charges)
        .map(|i| ChargeDraft {
            clause: ClauseRef::parse(clauses[i % clauses.len()]).expect("rule book clause"),
            conduct_date: conduct,
            particulars: text(
                "The conduct set out in the complaint and established by the investigation.",
            ),
            evidence: vec![
                text("Investigation report"),
                text("Statements of witnesses"),
            ],
        })
        .collect();
    sim.step(&disputes, Command::Charge { charges })?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    sim.wait_between(15, 60)?;
    let panel = sim.draw(&staff.panel_pool, 3, &[]);
    let ahead = sim.rng.random_range(5..=15);
    let hearing = sim.working_days_ahead(ahead);
    sim.schedule_hearing(&officer, &panel, hearing)?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    let until_hearing = (hearing - sim.today()).get_days() as i64;
    let extra = sim.rng.random_range(0..=3);
    sim.wait(until_hearing.max(0) + extra)?;
    decide(sim, plan, &panel)?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    let review_needed = sim
        .docket
        .rules
        .category(plan.category)
        .is_some_and(|c| c.independent_review);
    if review_needed {
        sim.wait_between(2, 6)?;
        let reviewer = sim.pick(&staff.reviewers).clone();
        sim.step(
            &officer,
            Command::RequestIndependentReview {
                reviewer: reviewer.clone(),
                draw: None,
            },
        )?;
        if stop_here(sim, plan, staff)? {
            return Ok(());
        }
        sim.wait_between(5, 15)?;
        sim.step(&reviewer, Command::RecordReview { verdict: ReviewVerdict::Verify, reasons: text("The panel followed the procedure and its findings are open to it on the evidence.") })?;
    }
    sim.wait_between(1, 5)?;
    sim.step(&officer, Command::NotifyOutcome)?;
    if stop_here(sim, plan, staff)? {
        return Ok(());
    }
    if plan.appeal || matches!(plan.ending, Ending::Open(Stage::Appeal)) {
        sim.wait_between(3, 12)?;
        let respondent = docket_domain::ids::PersonId::parse(&format!(
            "member.{}",
            sim.case().respondent.member
        ))
        .map_err(anyhow::Error::msg)?;
        sim.step(&respondent, Command::LodgeAppeal { grounds: text("The panel did not give proper weight to my evidence, and the sanction is disproportionate.") })?;
        if stop_here(sim, plan, staff)? {
            return Ok(());
        }
        sim.wait_between(5, 20)?;
        let appeal = sim.draw(&staff.panel_pool, 3, &panel);
        sim.step(
            &officer,
            Command::ConveneAppealPanel {
                draw: None,
                panel: appeal.clone(),
            },
        )?;
        sim.wait_between(20, 40)?;
        sim.step(&appeal[0], Command::DecideAppeal { upheld: false, reasons: text("The grounds do not show an error in the procedure or a decision no reasonable panel could reach."), substitute_sanction: None })?;
    } else {
        sim.wait_out_appeal_window()?;
        sim.step(&officer, Command::Finalise)?;
    }
    sim.lift_all("Superseded by the final outcome of the case.")?;
    let has_sanction = sim
        .case()
        .final_sanction
        .as_ref()
        .is_some_and(|s| !s.is_no_further_action());
    if has_sanction {
        sim.wait_between(0, 3)?;
        sim.step(&officer, Command::ActivateSanction)?;
    }
    Ok(())
}

fn decide(
    sim: &mut Sim,
    plan: &Plan,
    panel: &[docket_domain::ids::PersonId],
) -> anyhow::Result<()> {
    let proven = !matches!(plan.ending, Ending::NotProven);
    let findings: Vec<Finding> = sim
        .case()
        .charges
        .iter()
        .map(|c| Finding {
            charge: c.number,
            proven,
            reasons: text(if proven {
                "The panel accepted the evidence of the witnesses and the documents."
            } else {
                "The panel was not satisfied on the balance of probabilities."
            }),
            evidence_relied_on: vec![text("Investigation report")],
        })
        .collect();
    let today = sim.today();
    let sanction = match plan.ending {
        Ending::NotProven => None,
        Ending::Lesser(code) => Some(SanctionChoice {
            code: code.to_string(),
            term_months: matches!(code, "fixed_term_suspension" | "bar_on_standing").then_some(12),
            reapply_from: None,
            aggravating: vec![],
            mitigating: vec![text("The respondent acknowledged the harm caused.")],
        }),
        _ => Some(SanctionChoice {
            code: "expulsion".into(),
            term_months: None,
            reapply_from: Some(add_months(today, 60)),
            aggravating: vec![text("The conduct was repeated after earlier warnings.")],
            mitigating: vec![],
        }),
    };
    sim.step(&panel[0], Command::RecordDecision { findings, sanction })
}
