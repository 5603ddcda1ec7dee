//! Durability: a child process appends under concurrency and is killed with SIGKILL at random
//! moments; every append it reported as acknowledged must be in the store afterwards, and the
//! global sequence must have no gaps.

use crate::backend;
use docket_domain::store::Store;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_docket");
const ROUNDS: usize = 10;

/// (seq, stream, version) as the child printed it after the store acknowledged.
type Ack = (u64, String, u64);

fn parse(line: &str) -> Option<Ack> {
    let mut parts = line.split_whitespace();
    (parts.next()? == "ack").then_some(())?;
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.to_string(),
        parts.next()?.parse().ok()?,
    ))
}

async fn one_round(location: &[&str], rng: &mut impl Rng) -> Vec<Ack> {
    let mut child = tokio::process::Command::new(BIN)
        .arg("stress-append")
        .args(location)
        .args(["--writers", "8"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the child");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut acked = Vec::new();
    // Wait for the first acknowledgement so the kill lands while appends are in flight.
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the child starts appending")
        .expect("read");
    acked.extend(first.as_deref().and_then(parse));
    let kill_after = Duration::from_millis(rng.random_range(20..600));
    let deadline = tokio::time::Instant::now() + kill_after;
    loop {
        tokio::select! {
            line = lines.next_line() => match line.expect("read") {
                Some(l) => acked.extend(parse(&l)),
                None => break,
            },
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    child.start_kill().expect("SIGKILL");
    let _ = child.wait().await;
    // Lines the child wrote before it died are still in the pipe: they were acknowledged too.
    while let Ok(Some(l)) = lines.next_line().await {
        acked.extend(parse(&l));
    }
    acked
}

async fn check(store: Arc<dyn Store>, acked: &[Ack]) {
    // A killed client's last statement may still be running on the PostgreSQL server and
    // commit a moment later, between our reading the head and reading the events. Read until
    // the two agree; a gap or a lost acknowledged append fails at once.
    let mut seen: HashMap<u64, (String, u64)> = HashMap::new();
    for attempt in 0.. {
        seen.clear();
        let mut after = 0;
        loop {
            let page = store.events_after(after, 10_000).await.expect("events");
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in page {
                assert_eq!(e.seq, seen.len() as u64 + 1, "the sequence has no gaps");
                seen.insert(e.seq, (e.stream, e.version));
            }
        }
        let head = store.head().await.expect("head");
        if seen.len() as u64 == head {
            break;
        }
        assert!(
            attempt < 50,
            "head {head} never matched the {} events read",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (seq, stream, version) in acked {
        assert_eq!(
            seen.get(seq),
            Some(&(stream.clone(), *version)),
            "acknowledged append {seq} survived"
        );
    }
}

/// Where a test's child processes write: a SQLite folder or a fresh PostgreSQL database.
enum Target {
    Sqlite(tempfile::TempDir),
    Postgres(String, #[allow(dead_code)] backend::PgDbGuard),
}

impl Target {
    fn sqlite() -> Target {
        Target::Sqlite(tempfile::tempdir().expect("tmp"))
    }

    /// None when no PostgreSQL server is configured for tests.
    async fn postgres() -> Option<Target> {
        backend::fresh_postgres_url()
            .await
            .map(|(url, guard)| Target::Postgres(url, guard))
    }

    fn args(&self) -> Vec<String> {
        match self {
            Target::Sqlite(dir) => vec!["--data".into(), dir.path().display().to_string()],
            Target::Postgres(url, _) => vec!["--database-url".into(), url.clone()],
        }
    }

    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Target::Sqlite(dir) => Arc::new(
                docket_store_sqlite::SqliteStore::open_dir(dir.path())
                    .await
                    .expect("open"),
            ),
            Target::Postgres(url, _) => Arc::new(
                docket_store_postgres::PgStore::connect(url)
                    .await
                    .expect("open"),
            ),
        }
    }
}

async fn survive_kills(target: &Target) {
    let mut rng = rand::rng();
    let location = target.args();
    let args: Vec<&str> = location.iter().map(String::as_str).collect();
    let mut total = 0;
    for _ in 0..ROUNDS {
        let acked = one_round(&args, &mut rng).await;
        assert!(!acked.is_empty());
        total += acked.len();
        check(target.open().await, &acked).await;
    }
    assert!(
        total > ROUNDS * 10,
        "{total} acknowledged appends over {ROUNDS} kills"
    );
}

/// Two processes appending to one store at once (as two `docket serve` processes would),
/// both killed at a random moment: one linear history, no gaps, nothing acknowledged lost.
async fn two_processes(target: &Target) {
    let mut rng = rand::rng();
    let location = target.args();
    let args: Vec<&str> = location.iter().map(String::as_str).collect();
    let mut seed_a = rand::rngs::StdRng::from_rng(&mut rng);
    let mut seed_b = rand::rngs::StdRng::from_rng(&mut rng);
    let (a, b) = tokio::join!(one_round(&args, &mut seed_a), one_round(&args, &mut seed_b));
    assert!(!a.is_empty() && !b.is_empty(), "both processes appended");
    let both: Vec<Ack> = a.into_iter().chain(b).collect();
    check(target.open().await, &both).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_appends_survive_sigkill_on_sqlite() {
    survive_kills(&Target::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_appends_survive_sigkill_on_postgres() {
    if let Some(target) = Target::postgres().await {
        survive_kills(&target).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_history_on_sqlite() {
    two_processes(&Target::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_history_on_postgres() {
    if let Some(target) = Target::postgres().await {
        two_processes(&target).await;
    }
}
