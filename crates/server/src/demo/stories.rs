//! The four stories DESIGN.md asks the demo to contain, written out step by step.

use super::people::{Staff, number};
use super::sim::{Sim, text};
use docket_domain::charge::{ChargeDraft, Finding};
use docket_domain::command::{Command, Complainant, Respondent, ReviewVerdict};
use docket_domain::contact::{Channel, Contact};
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::measure::Right;
use docket_domain::rulebook::ClauseRef;
use docket_domain::sanction::{SanctionChoice, add_months};
use jiff::civil::Date;

fn respondent(index: usize, name: &str, office: Option<&str>) -> Respondent {
    Respondent {
        member: number(index),
        name: name.into(),
        elected_office: office.map(String::from),
    }
}

/// The staff who run one story's case.
struct Team {
    officer: PersonId,
    investigator: PersonId,
    disputes: PersonId,
}

/// Picks a story's case officer, investigator and disputes-panel member (who also reviews
/// its interim measures).
fn team(
    sim: &mut Sim,
    staff: &Staff,
    officer: usize,
    investigator: usize,
    disputes: usize,
) -> Team {
    sim.reviewer = staff.disputes_panel[disputes].clone();
    Team {
        officer: staff.case_officers[officer].clone(),
        investigator: staff.investigators[investigator].clone(),
        disputes: staff.disputes_panel[disputes].clone(),
    }
}

/// What a story's complaint says, before it becomes a command.
struct Complaint<'a> {
    complainant: Complainant,
    respondent: Respondent,
    category: &'a str,
    conduct_date: Date,
    summary: &'a str,
    narrative: &'a str,
}

fn receive(sim: &mut Sim, id: CaseId, officer: &PersonId, c: Complaint) -> anyhow::Result<()> {
    sim.step(
        officer,
        Command::ReceiveComplaint {
            id,
            complainant: c.complainant,
            respondent: c.respondent,
            category: c.category.into(),
            conduct_date: c.conduct_date,
            summary: text(c.summary),
            narrative: text(c.narrative),
        },
    )
}

fn intake(
    sim: &mut Sim,
    officer: &PersonId,
    assessment: &str,
    investigator: &PersonId,
    terms: &str,
) -> anyhow::Result<()> {
    sim.wait(2)?;
    sim.step(officer, Command::Acknowledge)?;
    sim.wait(6)?;
    sim.step(
        officer,
        Command::Assess {
            category: None,
            assessment: text(assessment),
        },
    )?;
    sim.wait(3)?;
    sim.step(
        officer,
        Command::OpenInvestigation {
            investigator: investigator.clone(),
            terms: text(terms),
        },
    )
}

fn suspend(sim: &mut Sim, by: &PersonId, reasons: &str) -> anyhow::Result<()> {
    let review = sim.working_days_ahead(55);
    sim.step(
        by,
        Command::ImposeSuspension {
            scope: vec![
                Right::AttendMeetings,
                Right::HoldOffice,
                Right::StandForSelection,
                Right::RepresentTheOrganisation,
            ],
            reasons: text(reasons),
            review_date: Some(review),
        },
    )
}

fn charge_218(conduct: Date, particulars: &str) -> ChargeDraft {
    ChargeDraft {
        clause: ClauseRef::parse("2.1.8").expect("clause"),
        conduct_date: conduct,
        particulars: text(particulars),
        evidence: vec![text("Video recording"), text("Investigation report")],
    }
}

fn finding(n: u32, reasons: &str) -> Finding {
    Finding {
        charge: n,
        proven: true,
        reasons: text(reasons),
        evidence_relied_on: vec![
            text("Video recording"),
            text("Evidence of witnesses at the hearing"),
        ],
    }
}

fn investigate_and_charge(
    sim: &mut Sim,
    investigator: &PersonId,
    disputes: &PersonId,
    days: i64,
    charges: Vec<ChargeDraft>,
) -> anyhow::Result<()> {
    sim.wait(days)?;
    sim.step(
        investigator,
        Command::SubmitDraftReport {
            summary: text("Draft report on the events complained of, with the evidence gathered."),
        },
    )?;
    sim.wait(7)?;
    sim.step(investigator, Command::StartAccuracyCheck)?;
    sim.wait(14)?;
    sim.step(disputes, Command::Charge { charges })
}

/// Story 1: the activist at the report launch, expelled on two proven 2.1.8 charges nearly
/// two years after the complaint; the contact register holds what the leader's office did.
pub fn activist(sim: &mut Sim, staff: &Staff, id: CaseId) -> anyhow::Result<()> {
    let Team {
        officer,
        investigator,
        disputes,
    } = team(sim, staff, 0, 0, 0);
    let launch = sim.today().saturating_sub(jiff::Span::new().days(1));
    receive(
        sim,
        id,
        &officer,
        Complaint {
            complainant: Complainant::Member {
                number: number(102),
                name: "Ruth Adler MP".into(),
            },
            respondent: respondent(101, "Marc Wilde", None),
            category: "antisemitism",
            conduct_date: launch,
            summary: "Public accusation against a Jewish MP at the launch of the report on racism",
            narrative: "At the launch of the party's report on racism, the respondent publicly accused the complainant, a Jewish MP, of working with a newspaper against the leader, in front of the press.",
        },
    )?;
    intake(
        sim,
        &officer,
        "Serious allegation made in public; within scope.",
        &investigator,
        "The respondent's conduct at the report launch and his public statements after it.",
    )?;
    sim.wait(2)?;
    suspend(
        sim,
        &disputes,
        "Administrative suspension pending investigation: the conduct was public and the complainant is a member of the parliamentary group. This is not a finding.",
    )?;
    investigate_and_charge(
        sim,
        &investigator,
        &disputes,
        230,
        vec![
            charge_218(
                launch,
                "At the report launch, accused the complainant in public of working with a newspaper against the leader.",
            ),
            charge_218(
                launch,
                "Repeated the accusation in media interviews in the days after the launch.",
            ),
        ],
    )?;
    sim.wait(380)?;
    let panel = staff.panel_pool[0..3].to_vec();
    let hearing = sim.working_days_ahead(15);
    sim.step(
        &officer,
        Command::ScheduleHearing {
            draw: None,
            panel: panel.clone(),
            date: hearing,
            venue: text("Constitutional Committee, three days, head office"),
        },
    )?;
    let first_day = (hearing - sim.today()).get_days() as i64;
    sim.wait(first_day)?;
    let office = staff.leaders_office.clone();
    sim.step(&officer, Command::RecordContact { contact: Contact {
        who: text("A member of staff in the leader's office"),
        organisation: Some(text("Leader's office")),
        channel: Channel::Phone,
        occurred_on: sim.today(),
        summary: text("Called one of the respondent's supporters about avoiding incidents outside the hearing venue. No discussion of the case's merits was recorded; the office denies any other contact about the case."),
    }})?;
    let _ = office;
    sim.wait(3)?;
    let reapply = add_months(sim.today(), 60);
    sim.step(&panel[0], Command::RecordDecision {
        findings: vec![
            finding(1, "The panel heard the complainant and three witnesses; the accusation was made in public and was grossly detrimental to the party."),
            finding(2, "The media interviews repeated the accusation; the respondent accepted he gave them."),
        ],
        sanction: Some(SanctionChoice { code: "expulsion".into(), term_months: None, reapply_from: Some(reapply), aggravating: vec![text("The accusation was repeated after the launch.")], mitigating: vec![] }),
    })?;
    sim.wait(5)?;
    let reviewer = staff.reviewers[0].clone();
    sim.step(
        &officer,
        Command::RequestIndependentReview {
            reviewer: reviewer.clone(),
            draw: None,
        },
    )?;
    sim.wait(10)?;
    sim.step(
        &reviewer,
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: text("The hearing was fair and the findings were open to the panel."),
        },
    )?;
    sim.wait(2)?;
    sim.step(&officer, Command::NotifyOutcome)?;
    sim.wait_out_appeal_window()?;
    sim.step(&officer, Command::Finalise)?;
    sim.lift_all("Superseded by expulsion.")?;
    sim.step(&officer, Command::ActivateSanction)
}

/// Story 2: the MP who said the party was "too apologetic": a pattern-of-behaviour
/// investigation, then suspension and whip withdrawal on the leader's recorded instruction.
pub fn apologetic_mp(sim: &mut Sim, staff: &Staff, id: CaseId) -> anyhow::Result<()> {
    let Team {
        officer,
        investigator,
        disputes,
    } = team(sim, staff, 1, 1, 1);
    let meeting = sim.today().saturating_sub(jiff::Span::new().days(9));
    receive(
        sim,
        id,
        &officer,
        Complaint {
            complainant: Complainant::Member {
                number: number(106),
                name: "Dora Finch".into(),
            },
            respondent: respondent(103, "Colin Hart", Some("MP for Westmere")),
            category: "antisemitism",
            conduct_date: meeting,
            summary: "Remarks at a members' meeting that the party had been \"too apologetic\"",
            narrative: "Video of a members' meeting shows the respondent saying the party had been \"too apologetic\" about antisemitism. Earlier remarks are cited.",
        },
    )?;
    intake(
        sim,
        &officer,
        "Investigate a possible pattern of behaviour, not only the single remark.",
        &investigator,
        "Whether the remark and earlier statements form a pattern of behaviour in breach of the rules.",
    )?;
    sim.wait(1)?;
    let contact = |who: &str, org: &str, ch: Channel, on: Date, s: &str| Contact {
        who: text(who),
        organisation: Some(text(org)),
        channel: ch,
        occurred_on: on,
        summary: text(s),
    };
    let today = sim.today();
    sim.step(
        &officer,
        Command::RecordContact {
            contact: contact(
                "A senior party figure",
                "Shadow cabinet",
                Channel::Phone,
                today,
                "Urged the disputes team to suspend the respondent at once.",
            ),
        },
    )?;
    sim.step(
        &officer,
        Command::RecordContact {
            contact: contact(
                "Director",
                "Northern Anti-Racism Network (outside campaign group)",
                Channel::Letter,
                today,
                "Letter calling for the respondent's suspension and the withdrawal of the whip.",
            ),
        },
    )?;
    sim.wait(1)?;
    suspend(
        sim,
        &disputes,
        "Suspended pending investigation after the remarks became public; this is not a finding.",
    )?;
    sim.step(&staff.leader.clone(), Command::RecordLeaderInstruction { instruction: text("I instruct the chief whip to withdraw the whip from the respondent pending the investigation.") })?;
    let review = sim.working_days_ahead(40);
    sim.step(
        &staff.chief_whip.clone(),
        Command::WithdrawWhip {
            instruction: None,
            reasons: text(
                "Withdrawn on the leader's recorded instruction pending the investigation.",
            ),
            review_date: Some(review),
        },
    )?;
    sim.wait(10)
}

/// Story 3: the former mayor: suspended, a hearing suspends him for a further year, the
/// suspension is extended on a second complaint, and he resigns before the second hearing.
pub fn former_mayor(sim: &mut Sim, staff: &Staff, first: CaseId) -> anyhow::Result<Date> {
    let Team {
        officer,
        investigator,
        disputes,
    } = team(sim, staff, 2, 2, 2);
    let interview = sim.today().saturating_sub(jiff::Span::new().days(2));
    receive(
        sim,
        first,
        &officer,
        Complaint {
            complainant: Complainant::ThirdParty {
                name: "Listener complaint".into(),
                organisation: Some("Eastport Residents' Forum".into()),
                email: None,
            },
            respondent: respondent(104, "Gerald Vane", Some("Former Mayor of Eastport")),
            category: "antisemitism",
            conduct_date: interview,
            summary: "Remarks in a radio interview",
            narrative: "In a radio interview the respondent made remarks about Jewish history that listeners found offensive.",
        },
    )?;
    intake(
        sim,
        &officer,
        "Within scope; remarks were broadcast.",
        &investigator,
        "The remarks in the radio interview and their context.",
    )?;
    suspend(
        sim,
        &disputes,
        "Suspended pending investigation because of the public nature of the remarks; this is not a finding.",
    )?;
    investigate_and_charge(
        sim,
        &investigator,
        &disputes,
        90,
        vec![charge_218(
            interview,
            "Made the remarks in a broadcast interview.",
        )],
    )?;
    sim.wait(60)?;
    let panel = staff.panel_pool[3..6].to_vec();
    let hearing = sim.working_days_ahead(10);
    sim.schedule_hearing(&officer, &panel, hearing)?;
    let until = (hearing - sim.today()).get_days() as i64;
    sim.wait(until + 1)?;
    sim.step(
        &panel[0],
        Command::RecordDecision {
            findings: vec![finding(
                1,
                "The remarks were broadcast and were grossly detrimental to the party.",
            )],
            sanction: Some(SanctionChoice {
                code: "fixed_term_suspension".into(),
                term_months: Some(12),
                reapply_from: None,
                aggravating: vec![],
                mitigating: vec![text(
                    "Long service; the panel chose suspension rather than expulsion.",
                )],
            }),
        },
    )?;
    let reviewer = staff.reviewers[1].clone();
    sim.wait(3)?;
    sim.step(
        &officer,
        Command::RequestIndependentReview {
            reviewer: reviewer.clone(),
            draw: None,
        },
    )?;
    sim.wait(7)?;
    sim.step(
        &reviewer,
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: text("Procedure followed; sanction within the range open to the panel."),
        },
    )?;
    sim.step(&officer, Command::NotifyOutcome)?;
    sim.wait_out_appeal_window()?;
    sim.step(&officer, Command::Finalise)?;
    sim.lift_all("Superseded by the fixed-term suspension.")?;
    sim.step(&officer, Command::ActivateSanction)?;
    Ok(sim
        .case()
        .sanction_live
        .and_then(|l| l.1)
        .unwrap_or(sim.today()))
}

/// Story 3, second case: a further complaint while suspended, the suspension extended as an
/// interim measure, and a resignation before the second hearing.
pub fn former_mayor_again(
    sim: &mut Sim,
    staff: &Staff,
    id: CaseId,
    sanction_ends: Date,
) -> anyhow::Result<()> {
    let Team {
        officer,
        investigator,
        disputes,
    } = team(sim, staff, 2, 3, 2);
    let remarks = sim.today().saturating_sub(jiff::Span::new().days(4));
    receive(
        sim,
        id,
        &officer,
        Complaint {
            complainant: Complainant::Member {
                number: number(2_345),
                name: "A member in Eastport".into(),
            },
            respondent: respondent(104, "Gerald Vane", Some("Former Mayor of Eastport")),
            category: "antisemitism",
            conduct_date: remarks,
            summary: "Repeated the remarks while suspended",
            narrative: "While suspended, the respondent repeated the remarks in a newspaper column.",
        },
    )?;
    intake(
        sim,
        &officer,
        "Further conduct while under sanction; within scope.",
        &investigator,
        "The newspaper column and whether it repeats the earlier conduct.",
    )?;
    let wait = (sanction_ends - sim.today()).get_days() as i64 - 5;
    sim.wait(wait.max(1))?;
    suspend(
        sim,
        &disputes,
        "Extends the suspension pending the second complaint, as the fixed-term suspension is about to end; this is not a finding.",
    )?;
    investigate_and_charge(
        sim,
        &investigator,
        &disputes,
        40,
        vec![charge_218(
            remarks,
            "Repeated the remarks in a newspaper column while suspended.",
        )],
    )?;
    sim.wait(30)?;
    let panel = staff.panel_pool[6..9].to_vec();
    let hearing = sim.working_days_ahead(20);
    sim.schedule_hearing(&officer, &panel, hearing)?;
    sim.wait(10)?;
    sim.lift_all("Membership ended: the respondent resigned.")?;
    sim.step(&officer, Command::RecordResignation { note: Some(text("Resigned by letter before the second hearing; recorded as resigned under investigation.")) })
}

/// Story 4: suspended nearly three years ago, charged, and still awaiting a hearing. The
/// measure's reviews stopped long ago: overdue on every clock.
pub fn awaiting_hearing(sim: &mut Sim, staff: &Staff, id: CaseId) -> anyhow::Result<()> {
    let Team {
        officer,
        investigator,
        disputes,
    } = team(sim, staff, 3, 4, 0);
    let fringe = sim.today().saturating_sub(jiff::Span::new().days(12));
    receive(
        sim,
        id,
        &officer,
        Complaint {
            complainant: Complainant::Anonymous,
            respondent: respondent(105, "Pat Quinlan", None),
            category: "antisemitism",
            conduct_date: fringe,
            summary: "Remarks at a conference fringe meeting and earlier posts",
            narrative: "At a fringe meeting at the party conference the respondent made remarks reported as antisemitic; earlier social media posts are attached.",
        },
    )?;
    intake(
        sim,
        &officer,
        "Within scope; the remarks and posts should be investigated together.",
        &investigator,
        "The fringe meeting remarks and the earlier posts.",
    )?;
    suspend(
        sim,
        &disputes,
        "Suspended pending investigation; this is not a finding.",
    )?;
    sim.reviews_until = Some(sim.today().saturating_add(jiff::Span::new().days(150)));
    investigate_and_charge(
        sim,
        &investigator,
        &disputes,
        120,
        vec![
            charge_218(fringe, "Remarks at the conference fringe meeting."),
            ChargeDraft {
                clause: ClauseRef::parse("2.1.9").expect("clause"),
                conduct_date: fringe,
                particulars: text("Earlier social media posts."),
                evidence: vec![text("Screenshots of posts")],
            },
        ],
    )?;
    Ok(())
}
