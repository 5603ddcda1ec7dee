//! `docket bench append`: durable appends per second through Docket's store (events plus a
//! case read-model row, one command per append) with several concurrent writers, next to a
//! bare loop inserting one row per transaction with the same database settings, measured in
//! the same run.

use crate::commands::progress_bar;
use docket_domain::Stage;
use docket_domain::calendar::Calendar;
use docket_domain::ids::{CaseId, MembershipNumber, PersonId};
use docket_domain::rulebook::RuleBook;
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

fn append_for(stream_no: usize, version: u64, actor: &PersonId) -> Append {
    let id = CaseId::from_random(stream_no as u64 * 7919 + 1);
    let summary = CaseSummary {
        id: id.clone(),
        version: version + 1,
        stage: Stage::Investigation,
        category: "bullying".into(),
        received_on: jiff::civil::date(2026, 1, 5),
        stage_entered_on: jiff::civil::date(2026, 1, 20),
        respondent: MembershipNumber::parse("PA0000001").expect("constant"),
        stage_due: Some(jiff::civil::date(2026, 4, 15)),
        review_due: Some(jiff::civil::date(2026, 3, 1)),
        open: true,
        active_measures: 1,
        assignments: vec![(
            actor.clone(),
            docket_domain::function::Function::Investigator,
        )],
    };
    Append {
        stream: format!("bench/{stream_no}"),
        expected_version: version,
        actor: actor.clone(),
        at: jiff::Timestamp::now(),
        events: vec![NewEvent {
            kind: "measure_reviewed".into(),
            payload: payload(version),
        }],
        read_model: ReadModelChange::Case {
            state: format!(
                "{{\"bench\":true,\"version\":{},\"padding\":\"{}\"}}",
                version + 1,
                "x".repeat(1500)
            ),
            summary,
        },
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

/// The bare baseline on SQLite: one connection, one INSERT per transaction (autocommit),
/// WAL with synchronous=FULL like Docket's store.
async fn bare_sqlite(path: &std::path::Path, secs: f64) -> anyhow::Result<f64> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    sqlx::query(BARE_TABLE).execute(&mut conn).await?;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n: u64 = 0;
    while Instant::now() < deadline {
        n += 1;
        sqlx::query("INSERT INTO bare VALUES (?, 'bench/0', ?, 'measure_reviewed', 'bench', ?, ?)")
            .bind(n as i64)
            .bind(n as i64)
            .bind(docket_domain::store::codec::format_ts(
                jiff::Timestamp::now(),
            ))
            .bind(payload(n))
            .execute(&mut conn)
            .await?;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
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

pub async fn append(
    backend: &str,
    secs: f64,
    writers: &[usize],
    baseline: &[usize],
) -> anyhow::Result<()> {
    let _ = (RuleBook::default_rules(), Calendar::england_and_wales());
    let is_pg = backend.starts_with("postgres://") || backend.starts_with("postgresql://");
    if !is_pg && backend != "sqlite" {
        anyhow::bail!("--backend is 'sqlite' or a postgres:// URL, not '{backend}'");
    }
    let baseline: Vec<usize> = if !baseline.is_empty() {
        baseline.to_vec()
    } else if is_pg {
        vec![1, 32]
    } else {
        vec![1]
    };
    let steps = (baseline.len() + writers.len()) as u64;
    let bar = progress_bar(steps, "measuring");
    let mut base_rates = Vec::new();
    let mut rates = Vec::new();
    if is_pg {
        let db = create_pg_db(backend).await?;
        let result = async {
            for (i, c) in baseline.iter().enumerate() {
                base_rates.push((*c, bare_postgres(&db.url, *c, secs, i).await?));
                bar.inc(1);
            }
            let store: Arc<dyn Store> =
                Arc::new(docket_store_postgres::PgStore::connect(&db.url).await?);
            for (i, w) in writers.iter().enumerate() {
                rates.push((*w, docket_rate(store.clone(), *w, secs, i * 10_000).await?));
                bar.inc(1);
            }
            Ok::<(), anyhow::Error>(())
        }
        .await;
        let _ = drop_pg_db(&db).await;
        result?;
    } else {
        let dir = tempfile::tempdir()?;
        for c in &baseline {
            let _ = c; // SQLite has one writer at a time; the bare loop uses one connection.
            base_rates.push((1, bare_sqlite(&dir.path().join("bare.db"), secs).await?));
            bar.inc(1);
        }
        let store: Arc<dyn Store> =
            Arc::new(docket_store_sqlite::SqliteStore::open_dir(dir.path()).await?);
        for (i, w) in writers.iter().enumerate() {
            rates.push((*w, docket_rate(store.clone(), *w, secs, i * 10_000).await?));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let kind = if is_pg {
        "PostgreSQL"
    } else {
        "SQLite (WAL, synchronous=FULL)"
    };
    println!("Durable appends per second on {kind}, {secs} s per measurement\n");
    println!("| measurement | appends/s |");
    println!("|---|---:|");
    for (c, r) in &base_rates {
        println!(
            "| bare loop, one row per transaction, {c} client{} | {r:.0} |",
            if *c == 1 { "" } else { "s" }
        );
    }
    for (w, r) in &rates {
        println!(
            "| Docket append, {w} writer{} | {r:.0} |",
            if *w == 1 { "" } else { "s" }
        );
    }
    let single = base_rates.first().map(|b| b.1).unwrap_or(f64::NAN);
    let multi = base_rates.last().map(|b| b.1).unwrap_or(f64::NAN);
    println!();
    for (w, r) in &rates {
        let (against, what) = if *w == 1 || base_rates.len() == 1 {
            (single, "the single-client bare rate")
        } else {
            (multi, "the multi-client bare rate")
        };
        println!("{w:>3} writers: {:.2}× {what}", r / against);
    }
    Ok(())
}
