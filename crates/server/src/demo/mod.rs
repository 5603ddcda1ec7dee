//! `docket demo`: a fictional party of 500,000 members with three years of history, built by
//! walking every case through the real domain from a fixed seed. "Today" is the day it is
//! generated, so two runs on the same day give the same data.

pub mod accounts;
pub mod people;
mod sim;
mod stories;
mod walk;

pub use people::{MEMBERS, Staff};

use crate::commands::{operator, progress_bar};
use crate::config::{Location, load_rules, open_store};
use crate::service::Docket;
use docket_domain::Stage;
use docket_domain::case::day_of;
use docket_domain::command::{Command, Complainant, Respondent};
use docket_domain::ids::CaseId;
use docket_domain::store::Append;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::{Sim, text};
use std::collections::HashSet;
use walk::{Ending, Plan};

pub const SEED: u64 = 0x00D0_C4E7_2026;
/// Three years of history.
pub const HISTORY_DAYS: i64 = 3 * 365;

const CATEGORIES: &[(&str, u32)] = &[
    ("antisemitism", 30),
    ("other_racism", 15),
    ("sexual_harassment", 10),
    ("bullying", 20),
    ("online_abuse", 15),
    ("other_conduct", 10),
];

fn summary_for(category: &str) -> (&'static str, &'static str) {
    match category {
        "antisemitism" => (
            "Antisemitic remarks reported at a branch meeting",
            "A member reports remarks at a branch meeting that drew on antisemitic tropes, with the names of people present.",
        ),
        "other_racism" => (
            "Racist remarks reported in a local campaign group",
            "Messages in a local campaign group are reported as racist towards members of a minority community.",
        ),
        "sexual_harassment" => (
            "Unwanted conduct at a regional event",
            "A member describes unwanted physical contact and comments from the respondent at a regional party event.",
        ),
        "bullying" => (
            "Repeated hostile conduct towards a branch officer",
            "A branch officer describes months of hostile emails and public criticism from the respondent.",
        ),
        "online_abuse" => (
            "Abusive posts directed at another member",
            "Screenshots show abusive posts on social media aimed at another member by name.",
        ),
        _ => (
            "Conduct said to bring the party into disrepute",
            "The complainant describes conduct at a public event said to be prejudicial to the party.",
        ),
    }
}

/// The generic cases' endings: with the stories, 300 complaints, exactly 90 open, and about
/// half ending in expulsion or the member leaving.
fn endings() -> Vec<Ending> {
    use Stage::*;
    let mut out = Vec::new();
    let mut add = |e: Ending, n: usize| out.extend(std::iter::repeat_n(e, n));
    for (stage, n) in [
        (Received, 6),
        (Acknowledged, 6),
        (Assessed, 5),
        (InformalResolution, 4),
        (Investigation, 28),
        (DraftReport, 6),
        (AccuracyCheck, 5),
        (Charged, 11),
        (Hearing, 5),
        (Decided, 3),
        (IndependentReview, 3),
        (AppealWindow, 3),
        (Appeal, 3),
    ] {
        add(Ending::Open(stage), n);
    }
    add(Ending::Expelled, 96);
    for (stage, n) in [
        (Assessed, 6),
        (Investigation, 20),
        (DraftReport, 4),
        (AccuracyCheck, 4),
        (Charged, 10),
        (Hearing, 6),
    ] {
        add(Ending::Resigned(stage), n);
    }
    add(Ending::Dismissed, 17);
    add(Ending::Resolved, 9);
    add(Ending::NoFurtherAction, 11);
    add(Ending::NotProven, 5);
    for (code, n) in [
        ("warning", 5),
        ("final_warning", 4),
        ("fixed_term_suspension", 3),
        ("education_course", 2),
        ("reminder_of_conduct", 1),
    ] {
        add(Ending::Lesser(code), n);
    }
    for (stage, n) in [(Acknowledged, 1), (Assessed, 2), (Investigation, 1)] {
        add(Ending::Withdrawn(stage), n);
    }
    out
}

fn linger(stage: Stage, rng: &mut ChaCha8Rng) -> i64 {
    let (lo, hi) = match stage {
        Stage::Received | Stage::Assessed => (0, 7),
        Stage::Acknowledged => (0, 14),
        Stage::InformalResolution => (5, 45),
        Stage::Investigation => (5, 110),
        Stage::Charged => (5, 70),
        Stage::Hearing => (0, 4),
        Stage::Appeal => (5, 45),
        _ => (0, 22),
    };
    rng.random_range(lo..=hi)
}

fn at_working_hours(d: Date, rng: &mut ChaCha8Rng) -> anyhow::Result<Timestamp> {
    let t = d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
    Ok(t.checked_add((9 * 60 + rng.random_range(0..420i64)).minutes())?)
}

struct Generator<'a> {
    docket: &'a Docket,
    staff: Staff,
    today: Date,
    seed: u64,
}

impl Generator<'_> {
    fn sim(&self, case_seed: u64, start: Date) -> anyhow::Result<Sim<'_>> {
        let mut rng = ChaCha8Rng::seed_from_u64(case_seed);
        let now = at_working_hours(start, &mut rng)?;
        Ok(Sim {
            docket: self.docket,
            case: None,
            now,
            appends: vec![],
            rng,
            review_rng: ChaCha8Rng::seed_from_u64(case_seed ^ 0x5EED),
            reviewer: self.staff.disputes_panel[0].clone(),
            reviews_until: None,
        })
    }

    /// Runs `f` from a trial start to learn the case's length, then from a start that ends it
    /// by `end_by` (exactly today for open cases), nudging earlier if working-day arithmetic
    /// stretched it.
    fn place<F>(
        &self,
        case_seed: u64,
        pick_start: impl Fn(i64) -> Date,
        f: F,
    ) -> anyhow::Result<Sim<'_>>
    where
        F: Fn(&mut Sim) -> anyhow::Result<()>,
    {
        let trial_start = self.today.saturating_sub((HISTORY_DAYS + 400).days());
        let mut trial = self.sim(case_seed, trial_start)?;
        f(&mut trial)?;
        let length = (day_of(trial.now) - trial_start).get_days() as i64;
        let mut start = pick_start(length);
        for _ in 0..6 {
            let mut sim = self.sim(case_seed, start)?;
            f(&mut sim)?;
            let over = (day_of(sim.now) - self.today).get_days() as i64;
            if over <= 0 {
                return Ok(sim);
            }
            start = start.saturating_sub((over + 1).days());
        }
        anyhow::bail!("could not fit case {case_seed:x} before {}", self.today)
    }

    fn generic(
        &self,
        index: usize,
        ending: Ending,
        master: &mut ChaCha8Rng,
        ids: &mut HashSet<CaseId>,
    ) -> anyhow::Result<Vec<Append>> {
        let case_seed = self.seed ^ ((index as u64 + 1) << 20);
        let mut rng = ChaCha8Rng::seed_from_u64(case_seed ^ 0xCA5E);
        let weights: u32 = CATEGORIES.iter().map(|c| c.1).sum();
        let mut roll = rng.random_range(0..weights);
        let mut category = CATEGORIES[0].0;
        for (c, w) in CATEGORIES {
            if roll < *w {
                category = c;
                break;
            }
            roll -= w;
        }
        if matches!(ending, Ending::Open(Stage::IndependentReview)) {
            category = "antisemitism";
        }
        let plan = Plan {
            ending,
            category,
            suspend: rng.random_bool(match ending {
                Ending::Expelled => 0.6,
                Ending::Resigned(_) => 0.5,
                Ending::Open(_) => 0.35,
                _ => 0.12,
            }),
            appeal: match ending {
                Ending::Expelled => rng.random_bool(0.25),
                Ending::Lesser(_) => rng.random_bool(0.2),
                _ => false,
            },
            linger_days: match ending {
                Ending::Open(s) => linger(s, &mut rng),
                _ => 0,
            },
        };
        let neglect = ending.is_open() && plan.suspend && rng.random_bool(0.15);
        let id = loop {
            let id = CaseId::from_random(master.next_u64());
            if ids.insert(id.clone()) {
                break id;
            }
        };
        let respondent_index = 1_000 + (people::mix(case_seed) % (MEMBERS as u64 - 2_000)) as usize;
        let complainant = match rng.random_range(0..10) {
            0..=4 => Complainant::Member {
                number: people::number(respondent_index + 7),
                name: "A member".into(),
            },
            5..=6 => Complainant::ThirdParty {
                name: "Campaigns officer".into(),
                organisation: Some("An outside campaign group".into()),
                email: Some("campaigns@outside.example".into()),
            },
            _ => Complainant::Anonymous,
        };
        let respondent = Respondent {
            member: people::number(respondent_index),
            name: format!("Member {}", people::number(respondent_index)),
            elected_office: rng.random_bool(0.08).then(|| "Councillor".to_string()),
        };
        let (summary, narrative) = summary_for(category);
        let today = self.today;
        let window_start = today.saturating_sub(HISTORY_DAYS.days());
        let open = ending.is_open();
        let start_roll = rng.random_range(0.0..1.0f64);
        let pick_start = move |length: i64| {
            if open {
                today.saturating_sub(length.days())
            } else {
                let latest = (HISTORY_DAYS - length - 1).max(1);
                // Skewed towards recent years: a few dozen more complaints in the latest year.
                let offset = (latest as f64 * start_roll.powf(0.8)) as i64;
                window_start.saturating_add(offset.days())
            }
        };
        let staff = &self.staff;
        let sim = self.place(case_seed, pick_start, |sim| {
            let conduct = sim
                .today()
                .saturating_sub(sim.rng.random_range(1..30i64).days());
            let officer = sim.pick(&staff.case_officers).clone();
            if neglect {
                sim.reviews_until = Some(sim.today().saturating_add(60.days()));
            }
            sim.step(
                &officer,
                Command::ReceiveComplaint {
                    id: id.clone(),
                    complainant: complainant.clone(),
                    respondent: respondent.clone(),
                    category: category.into(),
                    conduct_date: conduct,
                    summary: text(summary),
                    narrative: text(narrative),
                },
            )?;
            walk::walk(sim, &plan, staff)?;
            expire_if_due(sim, staff, today)
        })?;
        Ok(sim.appends)
    }
}

/// A lesser sanction whose live period ended before today is marked expired on its end date.
fn expire_if_due(sim: &mut Sim, staff: &Staff, today: Date) -> anyhow::Result<()> {
    if let Some((_, Some(until))) = sim.case().sanction_live
        && until < today
        && sim.stage() == Stage::SanctionLive
    {
        let days = (until - sim.today()).get_days() as i64 + 1;
        sim.wait(days.max(1))?;
        if day_of(sim.now) <= today {
            sim.step(&staff.case_officers[0], Command::ExpireSanction)?;
        }
    }
    Ok(())
}

/// Imports the demo's membership list as at the start of its history.
async fn import_members(
    docket: &Docket,
    today: Date,
    members: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let founded = jiff::civil::date(1975, 1, 1);
    let history_start = today.saturating_sub(HISTORY_DAYS.days());
    let members: Vec<_> = (0..members)
        .map(|i| people::member(i, seed, founded, history_start))
        .collect();
    let import_at = at_working_hours(history_start, &mut ChaCha8Rng::seed_from_u64(seed))?;
    docket
        .import_members(members, "demo membership list", &operator(), import_at)
        .await?;
    Ok(())
}

/// A random caseload, for tests: `cases` cases whose endings are drawn (by `seed`) from
/// the demo's mix, each walked through the real domain as the demo's generic cases are, with
/// its own dates, measures, appeals and delays. The same seed gives the same histories.
pub async fn generate_random(
    docket: &Docket,
    today: Date,
    members: usize,
    seed: u64,
    cases: usize,
) -> anyhow::Result<usize> {
    import_members(docket, today, members, seed).await?;
    let generator = Generator {
        docket,
        staff: Staff::new(),
        today,
        seed,
    };
    let pool = endings();
    let mut master = ChaCha8Rng::seed_from_u64(seed);
    let mut taken = HashSet::new();
    let mut appends: Vec<Append> = Vec::new();
    for i in 0..cases {
        let ending = pool[master.random_range(0..pool.len())];
        appends.extend(generator.generic(i, ending, &mut master, &mut taken)?);
    }
    appends.sort_by_key(|a| a.at);
    docket.append_all(appends).await?;
    Ok(cases)
}

/// Generates the whole demo into an empty store. Returns the number of cases.
/// `members` is the membership size (the demo uses [`MEMBERS`]; tests may use fewer).
pub async fn generate(
    docket: &Docket,
    today: Date,
    members: usize,
    show_progress: bool,
) -> anyhow::Result<usize> {
    let bar = show_progress.then(|| progress_bar(members as u64, "members"));
    import_members(docket, today, members, SEED).await?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let generator = Generator {
        docket,
        staff: Staff::new(),
        today,
        seed: SEED,
    };
    let mut master = ChaCha8Rng::seed_from_u64(SEED);
    let mut ids = HashSet::new();
    let mut new_id = |master: &mut ChaCha8Rng| loop {
        let id = CaseId::from_random(master.next_u64());
        if ids.insert(id.clone()) {
            break id;
        }
    };
    let mut appends: Vec<Append> = Vec::new();
    let story_ids: Vec<CaseId> = (0..5).map(|_| new_id(&mut master)).collect();
    let staff = Staff::new();
    let days_ago = |n: i64| today.saturating_sub(n.days());
    let mut s = generator.sim(SEED ^ 1, days_ago(1060))?;
    stories::activist(&mut s, &staff, story_ids[0].clone())?;
    appends.append(&mut s.appends);
    let mut s = generator.sim(SEED ^ 2, days_ago(45))?;
    stories::apologetic_mp(&mut s, &staff, story_ids[1].clone())?;
    appends.append(&mut s.appends);
    let mut s = generator.sim(SEED ^ 3, days_ago(1000))?;
    let ends = stories::former_mayor(&mut s, &staff, story_ids[2].clone())?;
    appends.append(&mut s.appends);
    let mut s = generator.sim(SEED ^ 4, ends.saturating_sub(40.days()))?;
    stories::former_mayor_again(&mut s, &staff, story_ids[3].clone(), ends)?;
    appends.append(&mut s.appends);
    let mut s = generator.sim(SEED ^ 5, days_ago(1050))?;
    stories::awaiting_hearing(&mut s, &staff, story_ids[4].clone())?;
    appends.append(&mut s.appends);
    let endings = endings();
    let bar = show_progress.then(|| progress_bar(endings.len() as u64, "cases"));
    let mut taken: HashSet<CaseId> = story_ids.iter().cloned().collect();
    for (i, ending) in endings.iter().enumerate() {
        appends.extend(generator.generic(i, *ending, &mut master, &mut taken)?);
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // The log records events in the order they happened across all cases.
    appends.sort_by_key(|a| a.at);
    let cases = endings.len() + story_ids.len();
    docket.append_all(appends).await?;
    Ok(cases)
}

/// `docket demo`: create the demo if the folder has none, then serve it.
pub async fn run(dir: &std::path::Path, listen: &str, no_serve: bool) -> anyhow::Result<()> {
    let loc = Location::Dir(dir.to_path_buf());
    let (rules, calendar) = load_rules(&loc, None)?;
    std::fs::create_dir_all(dir)?;
    let origin = crate::logkey::default_origin(&rules.organisation);
    let (signer, _) = crate::logkey::load_or_create(&dir.join(crate::logkey::KEY_FILE), &origin)?;
    // The demo's email goes to files in its folder, where anyone can open them.
    let docket = Docket::new(open_store(&loc).await?, rules, calendar)
        .with_log_signer(signer)
        .with_mailer(
            std::sync::Arc::new(crate::outbox::mail::FileMailer {
                dir: dir.join("mail"),
            }),
            "Casework <casework@demo.example>"
                .parse()
                .map_err(|e| anyhow::anyhow!("the demo's sender: {e}"))?,
        )
        .with_search(std::sync::Arc::new(crate::search::serving::open_index(
            &dir.join(crate::search::serving::INDEX_DIR),
        )?));
    let docket =
        crate::evidence::cli::for_serving(docket, Some(dir.join(crate::evidence::vault::KEY_FILE)))
            .await?;
    if docket.store.head().await? == 0 {
        let today = day_of(Timestamp::now());
        println!(
            "Creating the demo organisation in {} (today is {today})…",
            dir.display()
        );
        let started = std::time::Instant::now();
        let cases = generate(&docket, today, MEMBERS, true).await?;
        let accounts = accounts::create(&docket, &Staff::new(), Timestamp::now()).await?;
        let portal = accounts::create_portal(&docket, Timestamp::now()).await?;
        println!(
            "Created {} members, {cases} cases and {accounts} staff accounts (and {portal} portal accounts) in {:.1} s.",
            people::MEMBERS,
            started.elapsed().as_secs_f64()
        );
        // Signed now rather than by the server, so `docket verify` has a checkpoint to check
        // even when the demo is only generated.
        if let Some(c) = docket.sign_checkpoint().await? {
            println!("Signed the log's first checkpoint ({} events).", c.size);
        }
    } else {
        println!(
            "Using the existing demo organisation in {} (delete the folder to start afresh).",
            dir.display()
        );
        // A demo made before accounts existed gets them now.
        if docket.store.accounts().await?.is_empty() {
            let n = accounts::create(&docket, &Staff::new(), Timestamp::now()).await?;
            println!("Added {n} staff accounts.");
        }
        let portal = docket_domain::account::Username::parse(accounts::PORTAL_RESPONDENT)
            .map_err(anyhow::Error::msg)?;
        if docket.store.account(&portal).await?.is_none() {
            let n = accounts::create_portal(&docket, Timestamp::now()).await?;
            println!("Added {n} portal accounts.");
        }
    }
    if no_serve {
        return Ok(());
    }
    crate::commands::serve(docket, listen, Some(accounts_banner(&Staff::new(), dir))).await
}

fn accounts_banner(staff: &Staff, dir: &std::path::Path) -> String {
    format!(
        "\nOpen the address above and sign in at /login with any account below (demo only: these \
secrets are public). Each password is demo-password-<username>; staff give the code their \
authenticator app shows for the secret listed (add it to any TOTP app).\n{}\
`docket users list --data {dir}` lists every account; `docket cases list --data {dir}` the caseload.\n{}",
        accounts::banner(staff),
        accounts::portal_banner(),
        dir = dir.display(),
    )
}
