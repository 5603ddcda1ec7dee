//! `docket bench append`: durable appends per second through Docket's store (events plus a
//! case read-model row, one command per append) with several concurrent writers, next to a
//! bare loop inserting one row per transaction with the same database settings, measured in
//! the same run.

pub mod authz;
pub mod evidence;
pub mod log;
pub mod report;
pub mod report_log;
pub mod search;

use crate::commands::progress_bar;
use docket_domain::Stage;
use docket_domain::ids::{CaseId, MembershipNumber, PersonId};
use docket_domain::store::{Append, NewEvent, ReadModelChange, Store};
use docket_domain::summary::CaseSummary;
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A payload the size of a typical case event (a few hundred bytes of JSON).
fn payload(n: u64) -> String {
    format!(
        "{{\"type\":\"measure_reviewed\",\"number\":1,\"reasons\":\"The investigation is continuing and the risk to other members remains; review {n} of the interim suspension.\",\"next_review\":\"2027-01-15\"}}"
    )
}

/// Facts the size of a case under investigation with an interim measure.
fn facts(id: &CaseId) -> docket_domain::statistics::CaseFacts {
    use jiff::civil::date;
    docket_domain::statistics::CaseFacts {
        id: id.clone(),
        category: "bullying".into(),
        received_on: date(2026, 1, 5),
        path: vec![
            (Stage::Received, date(2026, 1, 5)),
            (Stage::Acknowledged, date(2026, 1, 6)),
            (Stage::Assessed, date(2026, 1, 12)),
            (Stage::Investigation, date(2026, 1, 20)),
        ],
        sanction: None,
        clauses: Vec::new(),
        measures: vec![(date(2026, 1, 21), None)],
        pauses: Vec::new(),
        hearing_on: None,
        appeal_deadline: None,
    }
}

fn append_for(stream_no: usize, version: u64, actor: &PersonId) -> Append {
    let id = CaseId::from_random(stream_no as u64 * 7919 + 1);
    let summary = CaseSummary {
        id: id.clone(),
        stage: Stage::Investigation,
        category: "bullying".into(),
        received_on: jiff::civil::date(2026, 1, 5),
        stage_entered_on: jiff::civil::date(2026, 1, 20),
        respondent: MembershipNumber::parse("PA0000001").expect("constant"),
        stage_due: Some(jiff::civil::date(2026, 4, 15)),
        // Every append changes the summary row (as a measure review moves its review date):
        // the worst case for the read model, since unchanged rows are not rewritten.
        review_due: jiff::civil::date(2026, 3, 1)
            .checked_add(jiff::Span::new().days((version % 300) as i64))
            .ok(),
        open: true,
        active_measures: 1,
        assignments: vec![(
            actor.clone(),
            docket_domain::function::Function::Investigator,
        )],
        title: "Abusive messages in the branch group chat".into(),
        // Every command writes the case's statistical facts with its summary.
        facts: Some(facts(&id)),
    };
    Append {
        stream: format!("bench/{stream_no}"),
        expected_version: version,
        actor: actor.clone(),
        at: jiff::Timestamp::now(),
        events: vec![NewEvent {
            kind: "measure_reviewed".into(),
            payload: payload(version),
            salt: rand::random(),
        }],
        read_model: ReadModelChange::Case(summary),
        outbox: Vec::new(),
    }
}

/// Appends with `writers` concurrent tasks for `secs` seconds; returns appends per second.
async fn docket_rate(
    store: Arc<dyn Store>,
    writers: usize,
    secs: f64,
    offset: usize,
) -> anyhow::Result<f64> {
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let count = count.clone();
        tasks.push(tokio::spawn(async move {
            let actor = PersonId::parse("bench").map_err(anyhow::Error::msg)?;
            let mut version = 0;
            while Instant::now() < deadline {
                let done = store
                    .append(append_for(offset + w, version, &actor))
                    .await?;
                version = done.version;
                count.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

const BARE_TABLE: &str = "CREATE TABLE IF NOT EXISTS bare (seq BIGINT PRIMARY KEY, stream TEXT NOT NULL, version BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, recorded_at TEXT NOT NULL, payload TEXT NOT NULL)";

/// The bare baseline on SQLite: the simplest durable loop there is. One rusqlite connection
/// (the driver Docket's writer uses), one prepared INSERT per transaction (autocommit), WAL
/// with synchronous=FULL like Docket's store.
async fn bare_sqlite(path: std::path::PathBuf, secs: f64) -> anyhow::Result<f64> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let conn = rusqlite::Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute(BARE_TABLE, [])?;
        let mut insert = conn.prepare(
            "INSERT INTO bare VALUES (?1, 'bench/0', ?1, 'measure_reviewed', 'bench', ?2, ?3)",
        )?;
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let start = Instant::now();
        let mut n: i64 = 0;
        while Instant::now() < deadline {
            n += 1;
            let at = docket_domain::store::codec::format_ts(jiff::Timestamp::now());
            insert.execute(rusqlite::params![n, at, payload(n as u64)])?;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    })
    .await?
}

/// The pgbench-style baseline: `clients` connections, each inserting one row per transaction.
async fn bare_postgres(url: &str, clients: usize, secs: f64, round: usize) -> anyhow::Result<f64> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(clients as u32)
        .connect(url)
        .await?;
    sqlx::query(BARE_TABLE).execute(&pool).await?;
    let next = Arc::new(AtomicU64::new(round as u64 * 1_000_000_000));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let pool = pool.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let seq = next.fetch_add(1, Ordering::Relaxed) as i64;
                sqlx::query("INSERT INTO bare VALUES ($1, 'bench/0', $1, 'measure_reviewed', 'bench', $2, $3)")
                    .bind(seq)
                    .bind(docket_domain::store::codec::format_ts(jiff::Timestamp::now()))
                    .bind(payload(seq as u64))
                    .execute(&pool)
                    .await?;
                n += 1;
            }
            Ok::<u64, anyhow::Error>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    pool.close().await;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

struct PgBenchDb {
    admin: String,
    name: String,
    url: String,
}

async fn create_pg_db(admin: &str) -> anyhow::Result<PgBenchDb> {
    let name = format!("docket_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    Ok(PgBenchDb {
        admin: admin.to_string(),
        url: format!("{base}/{name}"),
        name,
    })
}

async fn drop_pg_db(db: &PgBenchDb) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(&db.admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        db.name
    )))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// A Docket on a temporary SQLite store holding the demo's histories, generated through the
/// domain over a small membership. The folder goes when the `TempDir` is dropped.
async fn demo_store(
    today: jiff::civil::Date,
) -> anyhow::Result<(tempfile::TempDir, crate::service::Docket)> {
    let dir = tempfile::tempdir()?;
    let store = crate::config::open_store(&crate::config::Location::Dir(dir.path().into())).await?;
    let docket = crate::service::Docket::new(
        store,
        docket_domain::rulebook::RuleBook::default_rules(),
        docket_domain::calendar::Calendar::england_and_wales(),
    );
    println!("Generating the demo's histories through the domain…");
    crate::demo::generate(&docket, today, 1_000, false).await?;
    Ok((dir, docket))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// One measurement's results over the rounds.
#[derive(Debug, Default)]
struct Series {
    rates: Vec<f64>,
    groups: Vec<f64>,
}

pub async fn append(
    backend: &str,
    secs: f64,
    writers: &[usize],
    baseline: &[usize],
    rounds: usize,
) -> anyhow::Result<()> {
    let is_pg = backend.starts_with("postgres://") || backend.starts_with("postgresql://");
    if !is_pg && backend != "sqlite" {
        anyhow::bail!("--backend is 'sqlite' or a postgres:// URL, not '{backend}'");
    }
    let rounds = rounds.max(1);
    let baseline: Vec<usize> = if !baseline.is_empty() {
        baseline.to_vec()
    } else if is_pg {
        vec![1, 32]
    } else {
        vec![1]
    };
    let steps = ((baseline.len() + writers.len()) * rounds) as u64;
    let bar = progress_bar(steps, "measuring");
    let mut base: Vec<Series> = baseline.iter().map(|_| Series::default()).collect();
    let mut ours: Vec<Series> = writers.iter().map(|_| Series::default()).collect();
    let dir = tempfile::tempdir()?;
    let pg = if is_pg {
        Some(create_pg_db(backend).await?)
    } else {
        None
    };
    let result = async {
        let store: Arc<dyn Store> = match &pg {
            Some(db) => Arc::new(docket_store_postgres::PgStore::connect(&db.url).await?),
            None => Arc::new(docket_store_sqlite::SqliteStore::open_dir(dir.path()).await?),
        };
        for round in 0..rounds {
            for (i, c) in baseline.iter().enumerate() {
                let rate = match &pg {
                    Some(db) => {
                        bare_postgres(&db.url, *c, secs, round * baseline.len() + i).await?
                    }
                    None => bare_sqlite(dir.path().join(format!("bare-{round}.db")), secs).await?,
                };
                base[i].rates.push(rate);
                bar.inc(1);
            }
            for (i, w) in writers.iter().enumerate() {
                let (c0, n0) = docket_store_sqlite::group_commit_stats();
                let offset = (round * writers.len() + i) * 10_000;
                ours[i]
                    .rates
                    .push(docket_rate(store.clone(), *w, secs, offset).await?);
                let (c1, n1) = docket_store_sqlite::group_commit_stats();
                if !is_pg {
                    ours[i]
                        .groups
                        .push((n1 - n0) as f64 / (c1 - c0).max(1) as f64);
                }
                bar.inc(1);
            }
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    if let Some(db) = &pg {
        let _ = drop_pg_db(db).await;
    }
    result?;
    bar.finish_and_clear();
    let kind = if is_pg {
        "PostgreSQL"
    } else {
        "SQLite (WAL, synchronous=FULL)"
    };
    println!("Durable appends per second on {kind}: median of {rounds} rounds of {secs} s each\n");
    println!("| measurement | median appends/s | rounds |");
    println!("|---|---:|---|");
    let show = |xs: &[f64]| {
        xs.iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (c, s) in baseline.iter().zip(&base) {
        let plural = if *c == 1 { "" } else { "s" };
        println!(
            "| bare loop, one row per transaction, {c} client{plural} | {:.0} | {} |",
            median(s.rates.clone()),
            show(&s.rates)
        );
    }
    for (w, s) in writers.iter().zip(&ours) {
        let plural = if *w == 1 { "" } else { "s" };
        println!(
            "| Docket append, {w} writer{plural} | {:.0} | {} |",
            median(s.rates.clone()),
            show(&s.rates)
        );
    }
    println!();
    let single = base
        .first()
        .map(|s| median(s.rates.clone()))
        .unwrap_or(f64::NAN);
    let multi = base
        .last()
        .map(|s| median(s.rates.clone()))
        .unwrap_or(f64::NAN);
    for (w, s) in writers.iter().zip(&ours) {
        let (against, what) = if *w == 1 || base.len() == 1 {
            (single, format!("the bare rate with {} client", baseline[0]))
        } else {
            (
                multi,
                format!(
                    "the bare rate with {} clients",
                    baseline[baseline.len() - 1]
                ),
            )
        };
        println!(
            "{w:>3} writers: {:.2}× {what}",
            median(s.rates.clone()) / against
        );
    }
    for (w, s) in writers.iter().zip(&ours) {
        if !s.groups.is_empty() {
            println!(
                "{w:>3} writers: {:.1} commands per transaction (group commit)",
                median(s.groups.clone())
            );
        }
    }
    Ok(())
}
