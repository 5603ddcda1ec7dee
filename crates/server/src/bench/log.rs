//! `docket bench log`: the transparency log at scale. Builds a log of N events on SQLite
//! (with checkpoints signed along the way), then measures, in the same run:
//!
//! - `docket verify` over it, as event bytes verified per second, next to `openssl dgst
//!   -sha256` and `sha256sum` over a file holding exactly the bytes verify hashed;
//! - inclusion-proof latency from the store at the full size (p50, p99, max).

use crate::commands::progress_bar;
use crate::service::Docket;
use docket_domain::calendar::Calendar;
use docket_domain::ids::PersonId;
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{Append, NewEvent, ReadModelChange, Store};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Streams the events are spread over (a caseload's worth).
const STREAMS: u64 = 10_000;
/// Commands per store call while building: one transaction each.
const BATCH: u64 = 2_000;
/// Events between signed checkpoints.
const CHECKPOINT_EVERY: u64 = 100_000;

/// A case-event-sized payload (~300 bytes of JSON) that differs from event to event.
fn payload(n: u64) -> String {
    format!(
        "{{\"type\":\"contact_recorded\",\"contact\":{{\"who\":\"Caller {n}\",\"organisation\":\"Regional office\",\"channel\":\"phone\",\"occurred_on\":\"2026-10-0{}\",\"summary\":\"Asked for an update on the timetable of the investigation and was told the case officer would write by the end of the week; no details of the case were given.\"}}}}",
        n % 9 + 1
    )
}

async fn build(docket: &Docket, events: u64) -> anyhow::Result<()> {
    let actor = PersonId::parse("bench:officer").expect("constant");
    let bar = progress_bar(events, "writing");
    let mut n = 0u64;
    while n < events {
        let mut batch = Vec::new();
        while n < events && (batch.len() as u64) < BATCH {
            batch.push(Append {
                stream: format!("bench/{}", n % STREAMS),
                expected_version: n / STREAMS,
                actor: actor.clone(),
                at: jiff::Timestamp::now(),
                events: vec![NewEvent {
                    kind: "contact_recorded".into(),
                    payload: payload(n),
                    salt: rand::random(),
                }],
                read_model: ReadModelChange::None,
                outbox: Vec::new(),
            });
            n += 1;
        }
        docket.store.append_all(batch).await?;
        if n.is_multiple_of(CHECKPOINT_EVERY) || n == events {
            docket.sign_checkpoint().await?;
        }
        bar.set_position(n);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Writes the bytes verify hashes (every entry, in order) to `path`; returns their length.
pub(super) async fn dump_entries(store: &dyn Store, path: &Path) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut after, mut total) = (0, 0u64);
    loop {
        let page = store.log_entries(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            let bytes = e.entry().bytes();
            total += bytes.len() as u64;
            out.write_all(&bytes)?;
        }
    }
    out.flush()?;
    Ok(total)
}

/// Wall-clock seconds for `program args… path` (median of three runs, the file cached).
pub(super) fn time_tool(program: &str, args: &[&str], path: &Path) -> anyhow::Result<f64> {
    let mut runs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let status = std::process::Command::new(program)
            .args(args)
            .arg(path)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| anyhow::anyhow!("cannot run {program}: {e}"))?;
        anyhow::ensure!(status.success(), "{program} failed");
        runs.push(started.elapsed().as_secs_f64());
    }
    Ok(super::median(runs))
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

pub async fn run(events: u64, proofs: usize, keep: Option<&Path>) -> anyhow::Result<()> {
    anyhow::ensure!(events > 0, "--events must be at least 1");
    let temp = tempfile::tempdir()?;
    let dir = match keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir
        }
        None => temp.path(),
    };
    let store: Arc<dyn Store> = Arc::new(docket_store_sqlite::SqliteStore::open_dir(dir).await?);
    // The key is kept with the log, so `docket verify --data DIR` checks a kept log.
    let (signer, _) =
        crate::logkey::load_or_create(&dir.join(crate::logkey::KEY_FILE), "docket/bench")?;
    let key = signer.verifier();
    let held = store.head().await?;
    anyhow::ensure!(
        held == 0 || held == events,
        "{} holds a log of {held} events, not {events}: give another --keep folder",
        dir.display()
    );
    let docket = Docket::new(
        store.clone(),
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    )
    .with_log_signer(signer);

    let started = Instant::now();
    if held == 0 {
        build(&docket, events).await?;
    }
    let build_secs = started.elapsed().as_secs_f64();

    // Verify, three times; the median run is reported.
    let mut runs = Vec::new();
    let mut bytes = 0;
    for round in 0..3 {
        let bar = progress_bar(events, &format!("verify {}", round + 1));
        let started = Instant::now();
        let report = crate::verify::verify(&store, &key, &|n| bar.set_position(n)).await?;
        runs.push(started.elapsed().as_secs_f64());
        bar.finish_and_clear();
        anyhow::ensure!(
            report.problems.is_empty(),
            "the benchmark log does not verify: {:?}",
            report.problems.first()
        );
        bytes = report.bytes;
    }
    let verify_secs = super::median(runs.clone());

    let file = temp.path().join("entries.bin");
    let dumped = dump_entries(store.as_ref(), &file).await?;
    anyhow::ensure!(
        dumped == bytes,
        "the dump holds {dumped} bytes, verify hashed {bytes}"
    );
    let openssl = time_tool("openssl", &["dgst", "-sha256"], &file)?;
    let sha256sum = time_tool("sha256sum", &[], &file)?;

    // Inclusion proofs at the full size, from the store.
    let size = docket.tree_size().await?;
    let mut latencies = Vec::with_capacity(proofs);
    let bar = progress_bar(proofs as u64, "proofs");
    for i in 0..proofs {
        let index = rand::random_range(0..size);
        let started = Instant::now();
        let proof = docket.inclusion_proof(index, size).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(!proof.is_empty() || size == 1, "an empty proof");
        bar.set_position(i as u64 + 1);
    }
    bar.finish_and_clear();
    latencies.sort_by(|a, b| a.total_cmp(b));

    let mb = bytes as f64 / 1e6;
    let rate = |secs: f64| mb / secs;
    if held == 0 {
        println!(
            "Log of {events} events ({mb:.1} MB of entries) built in {build_secs:.1} s ({:.0} events/s, leaves and tree included).\n",
            events as f64 / build_secs
        );
    } else {
        println!(
            "Log of {events} events ({mb:.1} MB of entries) reused from {}.\n",
            dir.display()
        );
    }
    println!("| hashing the same {mb:.1} MB | seconds | MB/s |");
    println!("|---|---:|---:|");
    println!(
        "| docket verify (median of 3: {}) | {verify_secs:.2} | {:.0} |",
        runs.iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        rate(verify_secs)
    );
    println!(
        "| openssl dgst -sha256 | {openssl:.2} | {:.0} |",
        rate(openssl)
    );
    println!("| sha256sum | {sha256sum:.2} | {:.0} |", rate(sha256sum));
    println!(
        "\ndocket verify runs at {:.0}% of the openssl rate and {:.0}% of the sha256sum rate.",
        100.0 * openssl / verify_secs,
        100.0 * sha256sum / verify_secs
    );
    println!(
        "\nInclusion proofs at size {size}, {proofs} random leaves: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms.",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
