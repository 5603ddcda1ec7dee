//! The tamper suite: on each backend, a log with signed checkpoints is interfered with
//! directly in the database, as an insider with SQL access could, and `verify` must fail and
//! name the right event or cause.

use crate::backend::{Backend, TestStore, append, event};
use crate::both_backends;
use crate::support::docket;
use docket::service::Docket;
use docket::verify::{Options, Problem, VerifyReport, verify, verify_with};
use docket_tlog::{Signer, Verifier};
use sqlx::Connection;

pub const ORIGIN: &str = "docket/test";

pub fn signer(seed: u8) -> Signer {
    Signer::from_seed(ORIGIN, [seed; 32]).expect("signer")
}

/// Runs SQL straight on the test's database, bypassing Docket.
pub async fn tamper(t: &TestStore, sql: &str) {
    match t.backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(std::path::Path::new(&t.url).join("docket.db"))
                .expect("open sqlite");
            conn.execute_batch(sql).expect("tampering sql");
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&t.url)
                .await
                .expect("connect pg");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .expect("tampering sql");
        }
    }
}

/// The sealed bytes an upload left in the store, as an insider reading the disk or the
/// database would find them.
pub async fn stored_bytes(t: &TestStore, upload: &str) -> Vec<u8> {
    match t.backend {
        Backend::Sqlite => std::fs::read(
            std::path::Path::new(&t.url)
                .join("docket.evidence")
                .join(upload),
        )
        .expect("the upload's file"),
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&t.url)
                .await
                .expect("connect pg");
            let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
                "SELECT bytes FROM evidence_chunks WHERE upload = $1 ORDER BY n",
            )
            .bind(upload)
            .fetch_all(&mut conn)
            .await
            .expect("chunks");
            chunks.concat()
        }
    }
}

/// Flips one bit of byte `at` of an upload's first chunk, behind Docket's back.
pub async fn flip_stored_byte(t: &TestStore, upload: &str, at: usize) {
    match t.backend {
        Backend::Sqlite => {
            let path = std::path::Path::new(&t.url)
                .join("docket.evidence")
                .join(upload);
            let mut bytes = std::fs::read(&path).expect("read");
            bytes[at] ^= 1;
            std::fs::write(&path, bytes).expect("write");
        }
        Backend::Postgres => {
            tamper(
                t,
                &format!(
                    "UPDATE evidence_chunks SET bytes = set_byte(bytes, {at}, get_byte(bytes, {at}) # 1) WHERE upload = '{upload}' AND n = 0"
                ),
            )
            .await
        }
    }
}

/// Twelve events over two streams, with checkpoints signed at 6 and 12.
async fn signed_log(t: &TestStore) -> Docket {
    let d = docket(t).with_log_signer(signer(7));
    for round in 0..2u64 {
        for i in 0..3u64 {
            for stream in ["a", "b"] {
                let v = round * 3 + i;
                let payload = format!("{{\"stream\":\"{stream}\",\"n\":{}}}", v + 1);
                d.append(append(stream, v, vec![event("noted", &payload)]))
                    .await
                    .expect("append");
            }
        }
        let c = d
            .sign_checkpoint()
            .await
            .expect("sign")
            .expect("a new checkpoint");
        assert_eq!(c.size, (round + 1) * 6);
    }
    d
}

/// Verifies, and again reading a few events per range (once comparing every leaf), so every
/// range boundary, the stitching of ranges and the fall back to stored leaves are crossed:
/// all must find the same log and name the same first event.
async fn check(d: &Docket, key: &Verifier) -> VerifyReport {
    let whole = verify(&d.store, key, &|_| {}).await.expect("verify runs");
    for range in [1, 4] {
        let ranged = verify_with(
            &d.store,
            key,
            &|_| {},
            Options {
                range,
                every_leaf: range == 1,
            },
        )
        .await
        .expect("verify runs");
        assert_eq!(
            (ranged.events, ranged.bytes, ranged.erased, ranged.root),
            (whole.events, whole.bytes, whole.erased, whole.root),
            "range {range}"
        );
        assert_eq!(
            ranged.problems.first().and_then(Problem::seq),
            whole.problems.first().and_then(Problem::seq),
            "range {range}: {:?} vs {:?}",
            ranged.problems,
            whole.problems
        );
        assert_eq!(ranged.problems.is_empty(), whole.problems.is_empty());
    }
    whole
}

fn key() -> Verifier {
    signer(7).verifier()
}

async fn untouched(t: TestStore) {
    let d = signed_log(&t).await;
    let r = check(&d, &key()).await;
    assert_eq!(r.problems, vec![]);
    assert_eq!((r.events, r.checkpoints, r.erased), (12, 2, 0));
    let root = docket::transparency::root_at(d.store.as_ref(), 12)
        .await
        .expect("root");
    assert_eq!(r.root, root, "the recomputed root is the store's");
    // Signing again with nothing new keeps the checkpoints as they are.
    assert_eq!(d.sign_checkpoint().await.expect("sign"), None);
}
both_backends!(untouched);

async fn altered_byte(t: TestStore) {
    let d = signed_log(&t).await;
    tamper(
        &t,
        "UPDATE events SET payload = replace(payload, '\"n\":3', '\"n\":8') WHERE seq = 5",
    )
    .await;
    let r = check(&d, &key()).await;
    assert_eq!(
        r.problems.first(),
        Some(&Problem::Altered { seq: 5 }),
        "{:?}",
        r.problems
    );
}
both_backends!(altered_byte);

async fn deleted_event(t: TestStore) {
    let d = signed_log(&t).await;
    tamper(&t, "DELETE FROM events WHERE seq = 4").await;
    let r = check(&d, &key()).await;
    assert!(
        matches!(r.problems.first(), Some(Problem::Removed { seq: 4, .. })),
        "{:?}",
        r.problems
    );
}
both_backends!(deleted_event);

async fn swapped_events(t: TestStore) {
    let d = signed_log(&t).await;
    tamper(
        &t,
        "UPDATE events SET seq = 1000 WHERE seq = 3; \
         UPDATE events SET seq = 3 WHERE seq = 9; \
         UPDATE events SET seq = 9 WHERE seq = 1000;",
    )
    .await;
    let r = check(&d, &key()).await;
    assert_eq!(
        r.problems.first(),
        Some(&Problem::Reordered { seq: 3, other: 9 }),
        "{:?}",
        r.problems
    );
}
both_backends!(swapped_events);

async fn forged_insert(t: TestStore) {
    let d = signed_log(&t).await;
    // Make room at 5 by moving every later event up one, then forge an event there.
    tamper(
        &t,
        "UPDATE events SET seq = seq + 1000 WHERE seq >= 5; \
         UPDATE events SET seq = seq - 999 WHERE seq >= 1000; \
         INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload, salt) \
           SELECT 5, 'forged', 1, kind, actor, recorded_at, '{\"n\":99}', salt FROM events WHERE seq = 1;",
    )
    .await;
    let r = check(&d, &key()).await;
    assert_eq!(
        r.problems.first(),
        Some(&Problem::Inserted { seq: 5 }),
        "{:?}",
        r.problems
    );

    // A forged event added at the end, after the last checkpoint, has no leaf at all.
    let t2 = fresh_like(&t).await;
    let d2 = signed_log(&t2).await;
    tamper(
        &t2,
        "INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload, salt) \
           SELECT 13, 'forged', 1, kind, actor, recorded_at, '{\"n\":99}', salt FROM events WHERE seq = 1;",
    )
    .await;
    let r = check(&d2, &key()).await;
    assert_eq!(
        r.problems.first(),
        Some(&Problem::NotInTree { seq: 13 }),
        "{:?}",
        r.problems
    );
}
both_backends!(forged_insert);

async fn fresh_like(t: &TestStore) -> TestStore {
    match t.backend {
        Backend::Sqlite => crate::backend::sqlite().await,
        Backend::Postgres => crate::backend::postgres()
            .await
            .expect("postgres configured"),
    }
}

async fn truncated(t: TestStore) {
    let d = signed_log(&t).await;
    // The newest four events go, with their leaves, below the checkpoint signed at 12.
    let cut = match t.backend {
        // SQLite keys nodes by their stored-hash index: leaf 8 and everything after it.
        Backend::Sqlite => format!(
            "DELETE FROM tree WHERE id >= {}",
            docket_tlog::stored_hash_count(8)
        ),
        Backend::Postgres => "DELETE FROM tree WHERE level = 0 AND n >= 8".into(),
    };
    tamper(&t, &format!("DELETE FROM events WHERE seq > 8; {cut};")).await;
    let r = check(&d, &key()).await;
    assert!(
        r.problems.contains(&Problem::Truncated {
            held: 8,
            signed: 12
        }),
        "{:?}",
        r.problems
    );
    assert_eq!(r.problems.first().and_then(Problem::seq), Some(9));
    // And a server will not sign the shrunken tree.
    assert!(d.sign_checkpoint().await.is_err());
}
both_backends!(truncated);

async fn replaced_key(t: TestStore) {
    let d = signed_log(&t).await;
    // Someone swaps in their own key (same log name) and the server signs with it.
    let swapped = Docket {
        log_signer: Some(std::sync::Arc::new(signer(9))),
        ..d.clone()
    };
    swapped
        .append(append("a", 6, vec![event("noted", "{\"n\":7}")]))
        .await
        .expect("append");
    swapped.sign_checkpoint().await.expect("sign").expect("new");
    // Checked against the published key, the new checkpoint is refused...
    let r = check(&d, &key()).await;
    assert!(
        matches!(
            r.problems.as_slice(),
            [Problem::BadSignature { size: 13, .. }]
        ),
        "{:?}",
        r.problems
    );
    // ...and checked against the replacement key, every earlier one is.
    let r = check(&d, &signer(9).verifier()).await;
    let sizes: Vec<u64> = r
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::BadSignature { size, .. } => Some(*size),
            _ => None,
        })
        .collect();
    assert_eq!(sizes, vec![6, 12], "{:?}", r.problems);
}
both_backends!(replaced_key);

/// A stored leaf changed on its own, its event intact: the subtrees above it still agree
/// with the events, so the default verify (which compares subtrees) passes, and comparing
/// every leaf names the event whose leaf row was changed.
async fn changed_leaf_row(t: TestStore) {
    let d = signed_log(&t).await;
    let node = match t.backend {
        Backend::Sqlite => format!("id = {}", docket_tlog::stored_hash_index(0, 4)),
        Backend::Postgres => "level = 0 AND n = 4".into(),
    };
    let zeros = match t.backend {
        Backend::Sqlite => "zeroblob(32)",
        Backend::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    tamper(&t, &format!("UPDATE tree SET hash = {zeros} WHERE {node}")).await;
    let r = verify(&d.store, &key(), &|_| {})
        .await
        .expect("verify runs");
    assert_eq!(r.problems, vec![]);
    let every = Options {
        every_leaf: true,
        ..Options::default()
    };
    let r = verify_with(&d.store, &key(), &|_| {}, every)
        .await
        .expect("verify runs");
    assert_eq!(
        r.problems,
        vec![Problem::LeafRowChanged { seq: 5 }],
        "{:?}",
        r.problems
    );
}
both_backends!(changed_leaf_row);

/// A tree rewritten to fit an altered event: every stored leaf agrees with the events, but
/// the signed checkpoints do not.
async fn rewritten_tree(t: TestStore) {
    let d = signed_log(&t).await;
    let entries = d.store.log_entries(0, 100).await.expect("entries");
    let mut e = entries[2].clone();
    e.payload = e.payload.replace("\"n\":2", "\"n\":5");
    let leaf: String = e
        .entry()
        .leaf_hash()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let payload = e.payload.replace('\'', "''");
    let set_leaf = match t.backend {
        Backend::Sqlite => format!(
            "UPDATE tree SET hash = x'{leaf}' WHERE id = {}",
            docket_tlog::stored_hash_index(0, 2)
        ),
        Backend::Postgres => {
            format!("UPDATE tree SET hash = decode('{leaf}', 'hex') WHERE level = 0 AND n = 2")
        }
    };
    tamper(
        &t,
        &format!("UPDATE events SET payload = '{payload}' WHERE seq = 3; {set_leaf};"),
    )
    .await;
    let r = check(&d, &key()).await;
    assert_eq!(
        r.problems.first(),
        Some(&Problem::RootMismatch {
            size: 6,
            since: None
        }),
        "{:?}",
        r.problems
    );
}
both_backends!(rewritten_tree);
