//! `docket bench report`: how long the transparency report's figures take from the read
//! models over a large organisation. The demo's 300 case histories are generated through the
//! real domain, then copied to N cases (new references, received on days spread over three
//! years) as read-model rows with their facts, in a temporary SQLite store; each run reads
//! every facts row back and computes the figures for the three years.

use docket_domain::ids::{CaseId, MembershipNumber};
use docket_domain::statistics::{CaseFacts, Figures};
use docket_domain::summary::CaseSummary;
use jiff::ToSpan;
use std::time::Instant;

fn copy(template: &CaseFacts, i: u64, shift_days: i64) -> CaseFacts {
    let shift = |d: jiff::civil::Date| d.checked_sub(shift_days.days()).unwrap_or(d);
    CaseFacts {
        id: CaseId::from_random(i),
        category: template.category.clone(),
        received_on: shift(template.received_on),
        path: template.path.iter().map(|(s, d)| (*s, shift(*d))).collect(),
        sanction: template.sanction.clone(),
        clauses: template.clauses.clone(),
        measures: template
            .measures
            .iter()
            .map(|(a, b)| (shift(*a), b.map(shift)))
            .collect(),
        pauses: template
            .pauses
            .iter()
            .map(|(a, b)| (shift(*a), b.map(shift)))
            .collect(),
        hearing_on: template.hearing_on.map(shift),
        appeal_deadline: template.appeal_deadline.map(shift),
    }
}

fn summary(f: CaseFacts) -> anyhow::Result<CaseSummary> {
    let (stage, entered) = *f.path.last().ok_or_else(|| anyhow::anyhow!("empty path"))?;
    Ok(CaseSummary {
        id: f.id.clone(),
        stage,
        category: f.category.clone(),
        received_on: f.received_on,
        stage_entered_on: entered,
        respondent: MembershipNumber::parse("PA0000001").map_err(anyhow::Error::msg)?,
        stage_due: None,
        review_due: None,
        open: stage.is_open(),
        active_measures: f.measures.iter().filter(|(_, l)| l.is_none()).count() as u32,
        assignments: Vec::new(),
        title: String::new(),
        facts: Some(f),
    })
}

pub async fn run(cases: u64, rounds: u32) -> anyhow::Result<()> {
    let today = docket_domain::case::day_of(jiff::Timestamp::now());
    let (_dir, docket) = super::demo_store(today).await?;
    let store = docket.store.clone();
    let templates = store.case_facts().await?;
    println!(
        "Writing {cases} read-model rows copied from its {} cases…",
        templates.len()
    );
    let bar = crate::commands::progress_bar(cases, "cases");
    let mut rows = Vec::with_capacity(cases as usize);
    let mut spread = rand::rng();
    for i in 0..cases {
        let t = &templates[(i % templates.len() as u64) as usize];
        let shift = rand::Rng::random_range(&mut spread, 0..200);
        rows.push(summary(copy(t, 1_000_000 + i, shift))?);
        if i % 10_000 == 0 {
            bar.set_position(i);
        }
    }
    store.replace_read_models(rows, Vec::new()).await?;
    bar.finish_and_clear();
    let from = today.checked_sub(3.years())?;
    let mut read = Vec::new();
    let mut computed = Vec::new();
    let mut received = 0;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let facts = store.case_facts().await?;
        let t1 = Instant::now();
        let f = Figures::compute(&facts, from, today, &docket.calendar, &docket.rules);
        let t2 = Instant::now();
        received = f.received;
        read.push((t1 - t0).as_secs_f64());
        computed.push((t2 - t1).as_secs_f64());
    }
    let fmt = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let total: Vec<f64> = read.iter().zip(&computed).map(|(a, b)| a + b).collect();
    println!("Figures for {from}..{today} over {cases} cases ({received} received in it):");
    println!("  read every facts row: {} s", fmt(&read));
    println!("  compute the figures:  {} s", fmt(&computed));
    println!(
        "  together:             {} s (goal: under 2 s)",
        fmt(&total)
    );
    Ok(())
}
