//! `docket bench search`: the server's search end to end over about 1,000,000 indexed
//! documents, the real policy gate included. Each search goes through
//! `Docket::search_cases` or `Docket::cases_naming` as a request to `/search` does: every
//! candidate case is loaded (through the case cache) and put to the Cedar gate, and a title
//! view is recorded for every hit.
//!
//! The demo's case histories are copied to N cases (`report_log::build`), N chosen so that
//! the index holds about a million documents, and the index is built from that log as
//! `docket reindex` builds it. The searches are put by a mix of the demo's staff: a case
//! officer sees every case, an investigator and a panel member the few they work on,
//! oversight and an officeholder none. Where the gate refuses every candidate the index
//! walks as far as it may (`CANDIDATE_CEILING`): that is the worst case.

use super::authz::principals;
use super::log::percentile;
use super::report_log::{all_events, build};
use crate::commands::progress_bar;
use crate::demo::people::Staff;
use crate::search::SearchHit;
use crate::search::documents::case_documents;
use crate::search::serving::{INDEX_DIR, open_index};
use crate::service::Docket;
use anyhow::Context as _;
use docket_domain::calendar::Calendar;
use docket_domain::case::Case;
use docket_domain::command::Complainant;
use docket_domain::ids::{CaseId, MembershipNumber};
use docket_domain::role::Principal;
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{Store, StoredEvent};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Documents the index should hold when `--cases` is not given.
const DOCUMENTS: f64 = 1_000_000.0;
/// Results asked for per search: the API's default.
const LIMIT: usize = 20;
/// Written into a `--keep` folder once its log is complete: the number of cases in it.
const MARKER: &str = "bench-search-cases";
/// How the principals are named in the table, in `principals()` order.
const WHO: [&str; 5] = [
    "case officer",
    "investigator",
    "panel member",
    "oversight",
    "officeholder",
];
/// Words too common to be what anyone searches for.
const COMMON: [&str; 12] = [
    "that", "this", "with", "from", "were", "have", "they", "their", "them", "been", "when",
    "which",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asks {
    Word,
    Phrase,
    Person,
}

struct Query {
    who: usize,
    asks: Asks,
    text: String,
}

struct Sample {
    who: usize,
    asks: Asks,
    ms: f64,
    hits: usize,
    /// Cases loaded for the gate (case cache lookups), and of those, replayed from the log.
    loaded: u64,
    replayed: u64,
}

pub async fn run(cases: Option<u64>, queries: usize, keep: Option<&Path>) -> anyhow::Result<()> {
    anyhow::ensure!(queries > 0, "--queries must be at least 1");
    let temp = tempfile::tempdir()?;
    let dir = keep.unwrap_or(temp.path());
    std::fs::create_dir_all(dir)?;
    let today = docket_domain::case::day_of(jiff::Timestamp::now());

    // The demo through the domain: its cases say how many documents a case makes, and give
    // the words, phrases and people searched for.
    let (_demo_dir, demo) = super::demo_store(today).await?;
    let demo_log = all_events(demo.store.as_ref()).await?;
    let demo_cases = cases_in(&demo, &demo_log).await?;
    anyhow::ensure!(!demo_cases.is_empty(), "the demo generated no cases");
    let documents: usize = demo_cases.iter().map(|c| case_documents(c).len()).sum();
    let per_case = documents as f64 / demo_cases.len() as f64;
    let cases = cases.unwrap_or((DOCUMENTS / per_case).ceil() as u64);
    anyhow::ensure!(cases > 0, "--cases must be at least 1");
    println!(
        "The demo's {} cases make {per_case:.2} search documents each on average: {cases} cases make about {:.0}.",
        demo_cases.len(),
        cases as f64 * per_case
    );
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let warm_up = mix(&demo_cases, (queries / 10).max(WHO.len()), &mut rng);
    let timed = mix(&demo_cases, queries, &mut rng);
    drop(demo);

    let store: Arc<dyn Store> = Arc::new(docket_store_sqlite::SqliteStore::open_dir(dir).await?);
    let marker = dir.join(MARKER);
    if store.head().await? == 0 {
        let started = Instant::now();
        let written = build(store.as_ref(), &demo_log, cases).await?;
        std::fs::write(&marker, cases.to_string())?;
        println!(
            "Wrote {written} events for {cases} cases in {:.0} s.",
            started.elapsed().as_secs_f64()
        );
    } else {
        let kept: u64 = std::fs::read_to_string(&marker)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .with_context(|| {
                format!(
                    "{} holds a log this benchmark did not finish writing: delete it",
                    dir.display()
                )
            })?;
        anyhow::ensure!(
            kept == cases,
            "{} holds {kept} cases, not {cases}: give --cases {kept}, or another folder",
            dir.display()
        );
        println!("Reusing the log of {kept} cases in {}.", dir.display());
    }

    let index_dir = dir.join(INDEX_DIR);
    let index = Arc::new(open_index(&index_dir)?);
    let docket = Docket::new(
        store.clone(),
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    )
    .with_search(index.clone());
    let indexing = if index.position()? == 0 {
        let bar = progress_bar(store.head().await?, "indexing");
        let started = Instant::now();
        docket.reindex(&|n| bar.set_position(n)).await?;
        bar.finish_and_clear();
        Some(started.elapsed().as_secs_f64())
    } else {
        // Only the title views an earlier run recorded are new, and they change no case.
        docket.index_log().await?;
        println!("Reusing the index in {}.", index_dir.display());
        None
    };
    let documents = index.documents()?;
    let index_mb = dir_size(&index_dir)? as f64 / 1e6;

    let who = principals(&Staff::new());
    let bar = progress_bar(warm_up.len() as u64, "warming up");
    for q in &warm_up {
        put(&docket, &who[q.who], q).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let before = docket.cases.counts();
    let bar = progress_bar(timed.len() as u64, "searching");
    let mut samples = Vec::with_capacity(timed.len());
    // Cases found, to time recording a view on apart from the searches.
    let mut found: Vec<CaseId> = Vec::new();
    for q in &timed {
        let counts = docket.cases.counts();
        let started = Instant::now();
        let hits = put(&docket, &who[q.who], q).await?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let after = docket.cases.counts();
        if found.len() < 100 {
            found.extend(hits.iter().map(|h| h.reference.clone()));
        }
        let loaded = after.asked - counts.asked;
        samples.push(Sample {
            who: q.who,
            asks: q.asks,
            ms,
            hits: hits.len(),
            loaded,
            replayed: loaded - (after.found - counts.found),
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let after = docket.cases.counts();
    let view_ms = title_view_ms(&docket, &found).await?;

    println!(
        "\nSearch over {documents} documents ({cases} cases), SQLite, limit {LIMIT}, release build:\n"
    );
    println!("| measure | value |");
    println!("|---|---|");
    match indexing {
        Some(secs) => println!(
            "| indexing (`docket reindex`'s path) | {secs:.0} s: {:.0} documents/s |",
            documents as f64 / secs
        ),
        None => println!("| indexing | (index reused) |"),
    }
    println!("| index on disk | {index_mb:.0} MB |");
    println!(
        "| case cache | {} cases at most; {:.1}% of the cases the gate asked for were in it |",
        crate::cases::CAPACITY,
        100.0 * (after.found - before.found) as f64 / (after.asked - before.asked).max(1) as f64
    );
    println!("| one title view recorded (a durable append) | p50 {view_ms:.2} ms |");
    println!(
        "\n| who | searches | p50 ms | p99 ms | max ms | hits / search | cases put to the gate / search | of which replayed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let all: Vec<&Sample> = samples.iter().collect();
    row("everyone", &all);
    for (i, name) in WHO.iter().enumerate() {
        row(
            name,
            &samples.iter().filter(|s| s.who == i).collect::<Vec<_>>(),
        );
    }
    for (asks, name) in [
        (Asks::Word, "words"),
        (Asks::Phrase, "two-word phrases"),
        (Asks::Person, "people (cases_naming)"),
    ] {
        row(
            name,
            &samples
                .iter()
                .filter(|s| s.asks == asks)
                .collect::<Vec<_>>(),
        );
    }
    let p99 = latencies(&all).1;
    let verdict = if p99 < 50.0 { "met" } else { "NOT met" };
    println!("\nGoal p99 < 50 ms with the policy gate: {verdict} ({p99:.2} ms over everyone).");
    Ok(())
}

/// One search as the API puts it.
async fn put(docket: &Docket, who: &Principal, q: &Query) -> anyhow::Result<Vec<SearchHit>> {
    Ok(match q.asks {
        Asks::Person => {
            let number = MembershipNumber::parse(&q.text).map_err(anyhow::Error::msg)?;
            docket.cases_naming(who, &number, LIMIT).await?
        }
        Asks::Word | Asks::Phrase => docket.search_cases(who, &q.text, LIMIT).await?,
    })
}

/// p50, p99 and max in milliseconds.
fn latencies(samples: &[&Sample]) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = samples.iter().map(|s| s.ms).collect();
    ms.sort_unstable_by(f64::total_cmp);
    let max = ms.last().copied().unwrap_or(f64::NAN);
    (percentile(&ms, 0.50), percentile(&ms, 0.99), max)
}

fn row(name: &str, samples: &[&Sample]) {
    let n = samples.len().max(1) as f64;
    let mean = |f: fn(&Sample) -> f64| samples.iter().map(|s| f(s)).sum::<f64>() / n;
    let (p50, p99, max) = latencies(samples);
    println!(
        "| {name} | {} | {p50:.2} | {p99:.2} | {max:.2} | {:.1} | {:.0} | {:.0} |",
        samples.len(),
        mean(|s| s.hits as f64),
        mean(|s| s.loaded as f64),
        mean(|s| s.replayed as f64),
    );
}

/// `n` searches, the principals taking turns: two in five by a word, two in five by a
/// two-word phrase, one in five by a person's membership number.
fn mix(cases: &[Case], n: usize, rng: &mut ChaCha8Rng) -> Vec<Query> {
    let mut words = BTreeSet::new();
    let mut phrases = BTreeSet::new();
    let mut people = BTreeSet::new();
    for case in cases {
        let title = tokens(case.summary.as_str());
        let narrative = tokens(case.narrative.as_str());
        for w in title.iter().chain(&narrative) {
            if w.len() >= 4 && !COMMON.contains(&w.as_str()) {
                words.insert(w.clone());
            }
        }
        for pair in narrative.windows(2) {
            if pair.iter().all(|w| w.len() >= 3) {
                phrases.insert(format!("\"{} {}\"", pair[0], pair[1]));
            }
        }
        people.insert(case.respondent.member.to_string());
        if let Complainant::Member { number, .. } = &case.complainant {
            people.insert(number.to_string());
        }
    }
    let (words, phrases, people): (Vec<_>, Vec<_>, Vec<_>) = (
        words.into_iter().collect(),
        phrases.into_iter().collect(),
        people.into_iter().collect(),
    );
    let pick =
        |from: &[String], rng: &mut ChaCha8Rng| from[rng.random_range(0..from.len())].clone();
    (0..n)
        .map(|i| {
            let (asks, text) = match rng.random_range(0..5) {
                0 | 1 => (Asks::Word, pick(&words, rng)),
                2 | 3 => (Asks::Phrase, pick(&phrases, rng)),
                _ => (Asks::Person, pick(&people, rng)),
            };
            Query {
                who: i % WHO.len(),
                asks,
                text,
            }
        })
        .collect()
}

/// Lower-cased runs of letters.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The demo's cases, as they stand at the end of its log.
async fn cases_in(docket: &Docket, log: &[StoredEvent]) -> anyhow::Result<Vec<Case>> {
    let ids: BTreeSet<CaseId> = log
        .iter()
        .filter_map(|e| CaseId::parse(e.stream.strip_prefix("case/")?).ok())
        .collect();
    let mut cases = Vec::with_capacity(ids.len());
    for id in ids {
        cases.extend(docket.load_case(&id).await?);
    }
    Ok(cases)
}

/// The median time of recording one title view, which every hit costs a search.
async fn title_view_ms(docket: &Docket, cases: &[CaseId]) -> anyhow::Result<f64> {
    let who = &principals(&Staff::new())[0].person;
    let mut ms = Vec::new();
    for round in 0..200 {
        let Some(case) = cases.get(round % cases.len().max(1)) else {
            break;
        };
        let started = Instant::now();
        docket
            .record_view(
                case,
                who,
                docket_domain::view::CasePart::Title,
                jiff::Timestamp::now(),
            )
            .await?;
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_unstable_by(f64::total_cmp);
    Ok(percentile(&ms, 0.50))
}

fn dir_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
