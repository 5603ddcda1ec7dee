//! What only PostgreSQL can do to the writer: lose its connection, or refuse bytes SQLite
//! would take. The behaviour both stores share is held by the server's store conformance
//! suite. These need the server named by DOCKET_TEST_POSTGRES_URL (CI sets it) and pass
//! after saying so when it is unset.

use crate::PgStore;
use docket_domain::ids::PersonId;
use docket_domain::store::{Append, NewEvent, ReadModelChange, Store, StoreError};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

fn append(stream: &str, expected_version: u64, payload: &str) -> Append {
    Append {
        stream: stream.into(),
        expected_version,
        actor: PersonId::parse("tester").expect("actor"),
        at: "2026-01-01T00:00:00Z".parse().expect("ts"),
        events: vec![NewEvent {
            kind: "noted".into(),
            payload: payload.into(),
        }],
        read_model: ReadModelChange::None,
    }
}

/// A fresh database on the test server, dropped when this is (even if the test panics).
struct Db {
    admin: String,
    name: String,
    url: String,
}

impl Db {
    async fn create() -> Option<Db> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let Ok(admin) = std::env::var("DOCKET_TEST_POSTGRES_URL") else {
            eprintln!("skipped: DOCKET_TEST_POSTGRES_URL not set");
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "docket_t_{}_{}_{nanos:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("DOCKET_TEST_POSTGRES_URL={admin} is unreachable: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let (path, query) = admin.split_once('?').unwrap_or((&admin, ""));
        let (base, _) = path.rsplit_once('/').expect("the URL names a database");
        let url = match query {
            "" => format!("{base}/{name}"),
            q => format!("{base}/{name}?{q}"),
        };
        Some(Db { admin, name, url })
    }

    /// Kills every session on the database, as a server restart or failover would.
    async fn kill_sessions(&self) {
        let mut conn = PgConnection::connect(&self.admin).await.expect("admin");
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&self.name)
            .execute(&mut conn)
            .await
            .expect("terminate");
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // The test's runtime cannot be blocked on from inside; a thread with its own can.
        let dropper = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&admin).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
        });
        let _ = dropper.join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_reconnects_after_losing_its_connection() {
    let Some(db) = Db::create().await else { return };
    let store = PgStore::connect(&db.url).await.expect("connect");
    store
        .append(append("s", 0, "{}"))
        .await
        .expect("first append");
    db.kill_sessions().await;
    // The writer finds out on its next transaction; nothing had been sent, so it reconnects
    // and goes on rather than failing the command.
    let done = store.append(append("s", 1, "{}")).await;
    assert_eq!(done.map(|d| d.version), Ok(2));
    db.kill_sessions().await;
    for v in 2..5 {
        store
            .append(append("s", v, "{}"))
            .await
            .expect("append after reconnecting");
    }
    assert_eq!(store.head().await, Ok(5), "the read pool reconnects too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_database_rejects_fails_alone() {
    let Some(db) = Db::create().await else { return };
    let store = Arc::new(PgStore::connect(&db.url).await.expect("connect"));
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.spawn(async move {
            // PostgreSQL text cannot hold NUL, which no version check can foresee.
            let payload = if i == 7 { "{\"x\":\"\0\"}" } else { "{}" };
            barrier.wait().await;
            (i, store.append(append(&format!("s{i}"), 0, payload)).await)
        });
    }
    let mut seqs = Vec::new();
    for (i, result) in tasks.join_all().await {
        match result {
            Ok(done) => seqs.push(done.first_seq),
            Err(e) => assert!(i == 7 && matches!(e, StoreError::Other(_)), "{i}: {e:?}"),
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=19).collect::<Vec<_>>());
    assert_eq!(store.head().await, Ok(19));
}
