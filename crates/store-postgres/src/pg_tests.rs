//! What only PostgreSQL can do to the writer: lose its connection, or refuse bytes SQLite
//! would take. The behaviour both stores share is held by the server's store conformance
//! suite. These need the server named by DOCKET_TEST_POSTGRES_URL (CI sets it) and pass
//! after saying so when it is unset.

use crate::PgStore;
use docket_domain::ids::PersonId;
use docket_domain::store::{
    Append, MEMBERS_STREAM, NewEvent, Node, ReadModelChange, Store, StoreError, StoredCheckpoint,
};
use docket_tlog::{Hash, root_from_leaves, tree_hash};
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
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
            salt: [0; 16],
        }],
        read_model: ReadModelChange::None,
        outbox: Vec::new(),
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
    // The jobs retried one transaction each still leave one gapless tree.
    let leaves = leaves_from_entries(&*store).await;
    assert_eq!(leaves.len(), 19);
    check_tree(&*store, &leaves).await;
}

/// An append of `n` events with distinct salts.
fn events(stream: &str, expected_version: u64, n: usize, salt: u8) -> Append {
    let mut a = append(stream, expected_version, "{}");
    a.events = (0..n)
        .map(|i| NewEvent {
            kind: "noted".into(),
            payload: format!("{{\"i\":{i}}}"),
            salt: [salt.wrapping_add(i as u8); 16],
        })
        .collect();
    a
}

/// Every event's leaf, recomputed from its row, checked against the leaf stored for it.
async fn leaves_from_entries(store: &dyn Store) -> Vec<Hash> {
    let entries = store.log_entries(0, 10_000).await.expect("log entries");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "the log has no gaps");
        assert!(!e.erased);
        assert_eq!(e.leaf, Some(e.entry().leaf_hash()), "leaf of seq {}", e.seq);
    }
    entries.iter().map(|e| e.entry().leaf_hash()).collect()
}

/// The stored tree holds exactly the subtrees of `leaves`, and its root as a tile client
/// would compute it is the RFC 9162 root of the leaves.
async fn check_tree(store: &dyn Store, leaves: &[Hash]) {
    let size = leaves.len() as u64;
    assert_eq!(store.leaf_count().await, Ok(size));
    let indexes = docket_tlog::tree_hash_indexes(size).expect("indexes");
    let nodes: Vec<Node> = indexes.iter().map(|&i| Node::at_stored_index(i)).collect();
    let hashes = store.tree_nodes(&nodes).await.expect("root nodes");
    let reader: HashMap<u64, Hash> = indexes.into_iter().zip(hashes).collect();
    let root = tree_hash(size, &reader).expect("root");
    assert_eq!(root, root_from_leaves(leaves));
    // Every complete subtree, asked for in one call and answered in the order asked.
    let mut all = Vec::new();
    for level in 0..8u8 {
        for n in (0..size >> level).rev() {
            all.push(Node { level, n });
        }
    }
    let hashes = store.tree_nodes(&all).await.expect("all nodes");
    for (node, hash) in all.iter().zip(&hashes) {
        let lo = (node.n << node.level) as usize;
        let hi = ((node.n + 1) << node.level) as usize;
        assert_eq!(*hash, root_from_leaves(&leaves[lo..hi]), "{node:?}");
    }
    let beyond = Node { level: 0, n: size };
    assert!(matches!(
        store.tree_nodes(&[nodes[0], beyond]).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_write_paths_build_one_merkle_tree() {
    let Some(db) = Db::create().await else { return };
    let store = PgStore::connect(&db.url).await.expect("connect");
    assert_eq!(store.leaf_count().await, Ok(0));
    assert_eq!(store.tree_nodes(&[]).await, Ok(vec![]));
    // docket_append: a single event, then several commands in one call.
    store.append(events("a", 0, 1, 10)).await.expect("one");
    let done = store
        .append_all(vec![events("a", 1, 4, 20), events("b", 0, 2, 30)])
        .await
        .expect("batch");
    assert_eq!(done[1].last_seq, 7);
    // The transaction path: a membership import, starting at an odd leaf index so the tree
    // reads left siblings written by earlier transactions.
    let mut import = events(MEMBERS_STREAM, 0, 6, 40);
    import.read_model = ReadModelChange::Members(vec![]);
    let done = store.append(import).await.expect("import");
    assert_eq!((done.first_seq, done.last_seq), (8, 13));
    // And the transaction path for a batch too large for one call.
    let big = store.append(events("c", 0, 4_100, 50)).await.expect("big");
    assert_eq!(big.last_seq, 4_113);
    store.append(events("a", 5, 3, 60)).await.expect("after");
    let leaves = leaves_from_entries(&store).await;
    assert_eq!(leaves.len(), 4_116);
    check_tree(&store, &leaves).await;

    // Erasure empties the payload, keeps the leaf and appends its record after the head.
    let record = events("a", 8, 1, 70);
    let erased = store.erase(3, record.clone()).await.expect("erase");
    assert_eq!((erased.first_seq, erased.version), (4_117, 9));
    let e = &store.log_entries(2, 1).await.expect("entry")[0];
    assert!(e.erased && e.payload.is_empty() && e.salt == vec![21; 16]);
    assert_eq!(e.leaf, Some(leaves[2]));
    let ev = &store.stream_events("a").await.expect("stream")[2];
    assert!(ev.erased && ev.payload.is_empty());
    assert!(matches!(
        store.erase(3, events("a", 9, 1, 80)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.erase(999_999, events("a", 9, 1, 80)).await,
        Err(StoreError::NotFound(_))
    ));
    // A stale record rolls the erasure back with it.
    assert!(matches!(
        store.erase(4, events("a", 3, 1, 80)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(!store.log_entries(3, 1).await.expect("entry")[0].erased);
    assert_eq!(store.head().await, Ok(4_117));
    let mut leaves = leaves;
    let last = store.log_entries(4_116, 1).await.expect("record");
    leaves.push(last[0].entry().leaf_hash());
    check_tree(&store, &leaves).await;

    // Checkpoints: each size kept once.
    let cp = |size: u64| StoredCheckpoint {
        size,
        note: format!("note {size}\n"),
    };
    assert_eq!(store.latest_checkpoint().await, Ok(None));
    assert_eq!(store.add_checkpoint(cp(7)).await, Ok(true));
    assert_eq!(store.add_checkpoint(cp(4_117)).await, Ok(true));
    assert_eq!(store.add_checkpoint(cp(13)).await, Ok(true));
    let mut again = cp(7);
    again.note = "other\n".into();
    assert_eq!(store.add_checkpoint(again).await, Ok(false));
    assert_eq!(store.latest_checkpoint().await, Ok(Some(cp(4_117))));
    assert_eq!(
        store.checkpoints_after(7, 10).await,
        Ok(vec![cp(13), cp(4_117)])
    );
    assert_eq!(store.checkpoints_after(0, 1).await, Ok(vec![cp(7)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_left_sibling_is_reported_as_corruption() {
    let Some(db) = Db::create().await else { return };
    let store = PgStore::connect(&db.url).await.expect("connect");
    store.append(events("a", 0, 1, 1)).await.expect("first");
    let mut conn = PgConnection::connect(&db.url).await.expect("conn");
    sqlx::query("DELETE FROM tree")
        .execute(&mut conn)
        .await
        .expect("delete");
    let e = store.append(events("a", 1, 1, 2)).await;
    assert!(
        matches!(&e, Err(StoreError::Corrupt(m)) if m.contains("level 0, index 0")),
        "{e:?}"
    );
    assert_eq!(store.head().await, Ok(1), "nothing was written");
}
