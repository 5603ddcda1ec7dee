//! `docket bench report --from-log`: the report's figures from the raw events over a large
//! organisation, against the rate at which the same bytes can be read and hashed.
//!
//! The demo's histories are generated through the real domain, then copied as raw events to
//! N cases: every event of each demo case under a new stream name, in the demo's order and
//! with its times, appended through the store like any other event, leaves and tree
//! included. The demo's log holds no reads, which a working system records every time a
//! case is opened: each copy gets `VIEWS` of them, one after each of its first events, which
//! brings the demo's ~14 events per case to ~20 (1,000,000 cases, ~20,000,000 events). The read models are
//! then rebuilt from that log, so the run times, on one organisation:
//! - the figures from the read models (the report's path);
//! - the figures recomputed from the raw events (`--verify-from-log`'s path), checked equal;
//! - `openssl dgst -sha256` and `sha256sum` over a file holding the log's entry bytes.

use super::log::{dump_entries, time_tool};
use crate::commands::progress_bar;
use crate::report::Period;
use crate::service::Docket;
use docket_domain::calendar::Calendar;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{Append, NewEvent, ReadModelChange, Store, StoredEvent};
use docket_domain::view::{CasePart, ViewEvent, views_stream};
use jiff::ToSpan;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Commands per store call while building: one transaction each.
const BATCH: usize = 5_000;
/// Reads of each case recorded in the log.
const VIEWS: u64 = 6;

/// Every event of the demo's log, in order.
async fn demo_events(today: jiff::civil::Date) -> anyhow::Result<Vec<StoredEvent>> {
    let (_dir, docket) = super::demo_store(today).await?;
    all_events(docket.store.as_ref()).await
}

/// Every event of `store`'s log, in order.
pub(crate) async fn all_events(store: &dyn Store) -> anyhow::Result<Vec<StoredEvent>> {
    let mut all = Vec::new();
    loop {
        let page = store
            .events_after(all.last().map_or(0, |e: &StoredEvent| e.seq), 10_000)
            .await?;
        if page.is_empty() {
            return Ok(all);
        }
        all.extend(page);
    }
}

/// Appends `cases` copies of the demo's case histories (the demo's other streams once).
pub(crate) async fn build(
    store: &dyn Store,
    demo: &[StoredEvent],
    cases: u64,
) -> anyhow::Result<u64> {
    let mut case_index: std::collections::HashMap<&str, u64> = Default::default();
    for e in demo {
        if let Some(id) = e.stream.strip_prefix("case/") {
            let next = case_index.len() as u64;
            case_index.entry(id).or_insert(next);
        }
    }
    let per_copy = case_index.len().max(1) as u64;
    let copies = cases.div_ceil(per_copy);
    let of_case = |e: &StoredEvent| case_index.get(e.stream.strip_prefix("case/")?).copied();
    let copied: u64 = demo.iter().filter(|e| of_case(e).is_some()).count() as u64;
    let bar = progress_bar(copies * copied * 10 / 7, "events");
    let reader = PersonId::parse("bench:reader").map_err(anyhow::Error::msg)?;
    let (mut batch, mut written) = (Vec::with_capacity(BATCH), 0u64);
    for copy in 0..copies {
        for e in demo {
            // A copy's reference is new, in its stream's name and wherever its events name it.
            let (stream, payload, copy_id) = match of_case(e) {
                Some(i) if copy * per_copy + i < cases => {
                    let id = CaseId::from_random(copy * per_copy + i);
                    let original = e.stream.trim_start_matches("case/");
                    let payload = e.payload.replace(original, id.as_str());
                    (format!("case/{id}"), payload, Some(id))
                }
                Some(_) => continue,
                None if copy == 0 => (e.stream.clone(), e.payload.clone(), None),
                None => continue,
            };
            batch.push(Append {
                stream,
                expected_version: e.version - 1,
                actor: PersonId::parse(&e.actor).map_err(anyhow::Error::msg)?,
                at: e.at,
                events: vec![NewEvent {
                    kind: e.kind.clone(),
                    payload,
                    salt: rand::random(),
                }],
                read_model: ReadModelChange::None,
                outbox: Vec::new(),
            });
            if let Some(case) = copy_id.filter(|_| e.version <= VIEWS) {
                let view = crate::service::encode(&ViewEvent::CaseViewed {
                    case: case.clone(),
                    part: CasePart::File,
                })?;
                batch.push(Append {
                    stream: views_stream(&case),
                    expected_version: e.version - 1,
                    actor: reader.clone(),
                    at: e.at + jiff::SignedDuration::from_mins(1),
                    events: vec![view],
                    read_model: ReadModelChange::None,
                    outbox: Vec::new(),
                });
            }
            if batch.len() >= BATCH {
                written += batch.len() as u64;
                store.append_all(std::mem::take(&mut batch)).await?;
                bar.set_position(written);
            }
        }
    }
    written += batch.len() as u64;
    store.append_all(batch).await?;
    bar.finish_and_clear();
    Ok(written)
}

pub async fn run(cases: u64, rounds: u32, keep: Option<&Path>) -> anyhow::Result<()> {
    anyhow::ensure!(cases > 0, "--cases must be at least 1");
    let temp = tempfile::tempdir()?;
    let dir = keep.unwrap_or(temp.path());
    std::fs::create_dir_all(dir)?;
    let store: Arc<dyn Store> = Arc::new(docket_store_sqlite::SqliteStore::open_dir(dir).await?);
    let docket = Docket::new(
        store.clone(),
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    );
    let today = docket_domain::case::day_of(jiff::Timestamp::now());
    if store.head().await? == 0 {
        let demo = demo_events(today).await?;
        let started = Instant::now();
        let written = build(store.as_ref(), &demo, cases).await?;
        println!(
            "Wrote {written} events in {:.0} s; rebuilding the read models from them…",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let rebuilt = docket.rebuild(&|_| {}).await?;
        println!(
            "Rebuilt {} cases from {} events in {:.1} s.",
            rebuilt.cases,
            rebuilt.events,
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("Reusing the log in {}.", dir.display());
    }
    let events = store.head().await?;
    let period = Period {
        label: "three years".into(),
        from: today.checked_sub(3.years())?,
        to: today,
    };
    let (mut models, mut raw) = (Vec::new(), Vec::new());
    let mut received = 0;
    for round in 0..rounds {
        let started = Instant::now();
        let a = docket.figures(&period).await?;
        models.push(started.elapsed().as_secs_f64());
        let bar = progress_bar(events, &format!("fold {}", round + 1));
        let started = Instant::now();
        let (b, _) = docket
            .figures_from_log(&period, &|n| bar.set_position(n))
            .await?;
        raw.push(started.elapsed().as_secs_f64());
        bar.finish_and_clear();
        let differ = crate::report::differences(&a, &b);
        anyhow::ensure!(
            differ.is_empty(),
            "the read models' figures differ from the log's: {}",
            differ.join("; ")
        );
        received = a.received;
    }
    let file = temp.path().join("entries.bin");
    let bytes = dump_entries(store.as_ref(), &file).await?;
    let openssl = time_tool("openssl", &["dgst", "-sha256"], &file)?;
    let sha256sum = time_tool("sha256sum", &[], &file)?;
    let _ = std::fs::remove_file(&file);

    let mb = bytes as f64 / 1e6;
    let list = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let (models_s, raw_s) = (super::median(models.clone()), super::median(raw.clone()));
    println!(
        "\nFigures for {}..{} over {cases} cases ({received} received in it), {events} events ({mb:.0} MB of entries):\n",
        period.from, period.to
    );
    println!("| path | seconds (median) | runs | MB/s |");
    println!("|---|---:|---|---:|");
    println!(
        "| from the read models | {models_s:.2} | {} | |",
        list(&models)
    );
    println!(
        "| from the raw events | {raw_s:.2} | {} | {:.0} |",
        list(&raw),
        mb / raw_s
    );
    println!(
        "| openssl dgst -sha256 over the entry bytes | {openssl:.2} | | {:.0} |",
        mb / openssl
    );
    println!(
        "| sha256sum over the entry bytes | {sha256sum:.2} | | {:.0} |",
        mb / sha256sum
    );
    println!(
        "\nFrom the read models: {models_s:.2} s (goal: under 2 s). From the raw events: {:.0}% of the openssl rate, {:.0}% of the sha256sum rate (goal: at least 25%).",
        100.0 * openssl / raw_s,
        100.0 * sha256sum / raw_s
    );
    Ok(())
}
