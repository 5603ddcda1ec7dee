//! `docket bench authz`: what one policy decision costs, as the gate makes it for every
//! request: with the case's facts built from the case (the gate's real work), and with the
//! facts already built (the Cedar evaluation alone), and a decision the gate kept from an
//! earlier request about the same case version (see `decisions`). Reported as p50/p99 in
//! microseconds over the demo's real cases and a mix of principals and actions.

use crate::decisions::{Asked, DecisionCache};
use crate::demo::people::Staff;
use docket_domain::case::Case;
use docket_domain::policy::{Action, CaseFacts, Policy, Resource};
use docket_domain::role::{Principal, Role};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub p50_us: f64,
    pub p99_us: f64,
    pub mean_us: f64,
}

fn timing(ns: Vec<u64>) -> Timing {
    let mut us: Vec<f64> = ns.iter().map(|n| *n as f64 / 1000.0).collect();
    us.sort_unstable_by(f64::total_cmp);
    Timing {
        p50_us: super::log::percentile(&us, 0.50),
        p99_us: super::log::percentile(&us, 0.99),
        mean_us: us.iter().sum::<f64>() / us.len().max(1) as f64,
    }
}

/// The principals a server sees most: staff on and off the case, oversight, officeholders.
pub(crate) fn principals(staff: &Staff) -> Vec<Principal> {
    vec![
        Principal::new(staff.case_officers[0].clone(), [Role::CaseOfficer]),
        Principal::new(staff.investigators[0].clone(), [Role::Investigator]),
        Principal::new(
            staff.panel_pool[0].clone(),
            [Role::PanelMember, Role::AppealPanelMember],
        ),
        Principal::new(staff.oversight.clone(), [Role::Oversight]),
        Principal::new(staff.leaders_office.clone(), [Role::Officeholder]),
    ]
}

const ACTIONS: [Action; 5] = [
    Action::ViewCaseContent,
    Action::ViewCaseMetadata,
    Action::ViewAuditTrail,
    Action::RecordDecision,
    Action::RecordContact,
];

/// Times `rounds` decisions of each kind; returns (with facts built, Cedar alone, kept).
pub fn measure(policy: &Policy, cases: &[Case], rounds: usize) -> (Timing, Timing, Timing) {
    let staff = Staff::new();
    let who = principals(&staff);
    let facts: Vec<CaseFacts> = cases.iter().map(CaseFacts::of).collect();
    let mut built = Vec::with_capacity(rounds);
    let mut alone = Vec::with_capacity(rounds);
    let mut kept = Vec::with_capacity(rounds);
    let cache = DecisionCache::default();
    let mut allowed = 0u64;
    for i in 0..rounds {
        let p = &who[i % who.len()];
        let a = ACTIONS[(i / who.len()) % ACTIONS.len()];
        let c = i % cases.len();
        let t = Instant::now();
        let f = CaseFacts::of(&cases[c]);
        let d = policy.authorize(p, a, &Resource::Case(&f));
        built.push(t.elapsed().as_nanos() as u64);
        allowed += d.allowed as u64;
        let t = Instant::now();
        let d = policy.authorize(p, a, &Resource::Case(&facts[c]));
        alone.push(t.elapsed().as_nanos() as u64);
        allowed += d.allowed as u64;
        let asked = |case: &Case| Asked {
            who: p.clone(),
            action: a,
            case: case.id.clone(),
            version: case.version,
        };
        cache.keep(asked(&cases[c]), &d);
        let t = Instant::now();
        let d = cache.get(&asked(&cases[c]));
        kept.push(t.elapsed().as_nanos() as u64);
        allowed += d.is_some_and(|d| d.allowed) as u64;
    }
    // Keep the decisions observable so nothing is optimised away.
    std::hint::black_box(allowed);
    (timing(built), timing(alone), timing(kept))
}

/// Times what a search asks the policy before any case: whether a forbid refuses every
/// case's file, and which cases a permit can reach (see `search::gated`).
pub fn measure_search_questions(policy: &Policy, rounds: usize) -> (Timing, Timing) {
    let who = principals(&Staff::new());
    let (mut refused, mut reach) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for i in 0..rounds {
        let p = &who[i % who.len()];
        let t = Instant::now();
        std::hint::black_box(policy.refuses_every_case(p, Action::ViewCaseContent));
        refused.push(t.elapsed().as_nanos() as u64);
        let t = Instant::now();
        std::hint::black_box(policy.reach(p, Action::ViewCaseContent));
        reach.push(t.elapsed().as_nanos() as u64);
    }
    (timing(refused), timing(reach))
}

/// One timing as a line of the report, to `decimals` places.
fn show(label: &str, t: Timing, decimals: usize) {
    println!(
        "{label}: p50 {:.decimals$} µs, p99 {:.decimals$} µs, mean {:.decimals$} µs",
        t.p50_us, t.p99_us, t.mean_us
    );
}

pub async fn run(rounds: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let docket = crate::commands::open_location(
        &crate::config::Location::Dir(dir.path().to_path_buf()),
        None,
    )
    .await?;
    eprintln!("generating the demo's cases (with a small membership list)…");
    let today = docket_domain::case::day_of(jiff::Timestamp::now());
    crate::demo::generate(&docket, today, 20_000, false).await?;
    let mut cases = Vec::new();
    for s in docket
        .store
        .list_cases(&docket_domain::store::CaseFilter::default())
        .await?
    {
        if let Some(c) = docket.load_case(&s.id).await? {
            cases.push(c);
        }
    }
    let policy = Policy::default_policy()?;
    // A warm-up pass, then the measured one.
    measure(&policy, &cases, rounds / 10 + 1);
    let (built, alone, kept) = measure(&policy, &cases, rounds);
    measure_search_questions(&policy, rounds / 10 + 1);
    let (refused, reach) = measure_search_questions(&policy, rounds);
    println!(
        "authorisation decisions over {} demo cases, {rounds} of each kind",
        cases.len()
    );
    show("  gate (case facts built + Cedar)", built, 1);
    show("  Cedar alone (facts prebuilt)", alone, 1);
    show("  gate, decision kept (same case version)", kept, 2);
    println!("a search's questions before any case, {rounds} of each over the same principals");
    show("  refused every case? (Cedar, once)", refused, 2);
    show("  reach (the permits as read at load)", reach, 2);
    Ok(())
}
