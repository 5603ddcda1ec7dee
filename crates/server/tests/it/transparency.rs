//! The transparency log end to end: leaves and tree written with the events on both stores,
//! checkpoints, views and audit trails, erasure, and the public HTTP endpoints checked with
//! nothing but the `tlog` crate's verifiers.

use crate::backend::{self, TestStore, conflict, simple};
use crate::both_backends;
use crate::support::{docket, serve, small_demo};
use crate::tamper::signer;
use base64::Engine;
use docket::service::ServiceError;
use docket_domain::Rule;
use docket_domain::ids::{PersonId, Text};
use docket_domain::store::{CaseFilter, StoreError, StoredCheckpoint};
use docket_domain::view::CasePart;
use docket_tlog::{
    Hash, Tile, TileSet, Verifier, open_checkpoint, root_from_leaves, tiles_for_growth,
    verify_consistency, verify_inclusion,
};

fn b64(s: &str) -> Hash {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
        .try_into()
        .expect("32 bytes")
}

/// Every event's recomputed leaf is the stored one, and the stored tree's root is the root
/// of those leaves: across concurrent writers, a refused job and a multi-command batch.
async fn tree_matches_events(t: TestStore) {
    let store = t.store.clone();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for v in 0..10 {
                s.append(simple(&format!("w{w}"), v, 1))
                    .await
                    .expect("append");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    assert_eq!(
        store.append(simple("w0", 3, 1)).await,
        Err(conflict("w0", 3, 10)),
        "a refused append writes no leaf"
    );
    store
        .append_all(vec![simple("batch", 0, 3), simple("batch", 3, 2)])
        .await
        .expect("batch");
    assert_tree_whole(&store, 85).await;
}
both_backends!(tree_matches_events);

/// The store holds `events` events, each with its recomputed leaf stored, and the stored
/// tree's roots are those of the leaves.
async fn assert_tree_whole(store: &std::sync::Arc<dyn docket_domain::store::Store>, events: usize) {
    let entries = store.log_entries(0, 1_000).await.expect("entries");
    assert_eq!(entries.len(), events);
    let leaves: Vec<Hash> = entries.iter().map(|e| e.entry().leaf_hash()).collect();
    for (e, leaf) in entries.iter().zip(&leaves) {
        assert_eq!(e.leaf, Some(*leaf), "event {}", e.seq);
    }
    let size = events as u64;
    assert_eq!(store.leaf_count().await.expect("count"), size);
    for size in [1, 2, 3, 64, size] {
        let root = docket::transparency::root_at(store.as_ref(), size)
            .await
            .expect("root");
        assert_eq!(
            root,
            root_from_leaves(&leaves[..size as usize]),
            "size {size}"
        );
    }
    assert!(matches!(
        docket::transparency::root_at(store.as_ref(), size + 1).await,
        Err(docket::transparency::LogError::Store(StoreError::NotFound(
            _
        )))
    ));
}

/// A write that fails for a reason other than a version conflict (here a trigger refuses
/// one stream) fails alone, even when group commit put it in a batch with others, and the
/// tree stays whole.
async fn a_failed_write_fails_alone(t: TestStore) {
    let poison = match t.backend {
        backend::Backend::Sqlite => {
            "CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.stream = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned stream'); END;"
        }
        backend::Backend::Postgres => {
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.stream = 'poison' THEN RAISE EXCEPTION 'poisoned stream'; END IF; \
               RETURN NEW; END $$; \
             CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION poison();"
        }
    };
    let store = t.store.clone();
    store.append(simple("before", 0, 1)).await.expect("append");
    crate::tamper::tamper(&t, poison).await;
    let mut tasks = Vec::new();
    for w in 0..16 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for v in 0..5 {
                let stream = if w % 4 == 0 && v == 2 {
                    "poison".to_string()
                } else {
                    format!("w{w}")
                };
                // A poisoned writer's own stream is one version behind after the poison.
                let version = match (stream.as_str(), w % 4 == 0 && v > 2) {
                    ("poison", _) => 0,
                    (_, true) => v - 1,
                    _ => v,
                };
                let result = s.append(simple(&stream, version, 1)).await;
                assert_eq!(result.is_err(), stream == "poison", "{stream}: {result:?}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    // 1 before, then 16 writers × 5 appends, of which 4 were poisoned.
    assert_tree_whole(&store, 1 + 16 * 5 - 4).await;
}
both_backends!(a_failed_write_fails_alone);

async fn checkpoints_are_all_kept(t: TestStore) {
    let s = &t.store;
    assert_eq!(s.latest_checkpoint().await.expect("latest"), None);
    for size in [3, 1, 2] {
        let c = StoredCheckpoint {
            size,
            note: format!("note {size}"),
        };
        assert!(s.add_checkpoint(c).await.expect("add"));
    }
    let again = StoredCheckpoint {
        size: 2,
        note: "other".into(),
    };
    assert!(!s.add_checkpoint(again).await.expect("add"), "one per size");
    assert_eq!(
        s.latest_checkpoint().await.expect("latest").map(|c| c.size),
        Some(3)
    );
    let after: Vec<u64> = s
        .checkpoints_after(1, 10)
        .await
        .expect("after")
        .iter()
        .map(|c| c.size)
        .collect();
    assert_eq!(after, vec![2, 3]);
    assert_eq!(
        s.checkpoints_after(0, 10).await.expect("all")[1].note,
        "note 2"
    );
}
both_backends!(checkpoints_are_all_kept);

/// Opening a case is an event; the audit trail lists it with the case's events, and every
/// proof in it checks against the signed checkpoint. Erasing a view keeps the log verifying.
async fn views_audit_and_erasure(t: TestStore) {
    let d = docket(&t).with_log_signer(signer(7));
    small_demo(&d).await;
    let case = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("cases")
        .remove(0)
        .id;
    let alice = PersonId::parse("officer-alice").expect("person");
    let alice_officer = docket_domain::role::Principal::new(
        alice.clone(),
        [docket_domain::role::Role::CaseOfficer],
    );
    let now = jiff::Timestamp::now();
    let before = d.store.head().await.expect("head");
    d.open_case(&case, &alice_officer, CasePart::File, now)
        .await
        .expect("view");
    let view = d.store.events_after(before, 10).await.expect("events");
    assert_eq!(view.len(), 1);
    assert_eq!(view[0].kind, "case_viewed");
    assert_eq!(view[0].actor, "officer-alice");
    assert!(
        view[0].payload.contains("\"part\":\"file\""),
        "{}",
        view[0].payload
    );
    // A view does not touch the case's own stream, so it never conflicts with a decision.
    assert!(!view[0].stream.starts_with("case/"));

    d.sign_checkpoint().await.expect("sign");
    let trail = d.audit(&case, &alice_officer, now).await.expect("audit");
    let kinds: Vec<&str> = trail.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"complaint_received"));
    assert_eq!(kinds.iter().filter(|k| **k == "case_viewed").count(), 2);
    // The audit view itself is newer than the checkpoint: listed, not yet provable.
    assert!(trail.entries.last().expect("entries").proof.is_none());
    let proved = docket::audit::check(&trail, &signer(7).verifier()).expect("proofs check");
    assert_eq!(proved, trail.entries.len() - 1);
    assert!(docket::audit::check(&trail, &signer(8).verifier()).is_err());

    // Erase the first view: the log still verifies, counting one erased payload.
    let reason = Text::parse("retention period for access records ended").expect("text");
    let seq = view[0].seq;
    d.erase(seq, reason.clone(), &alice, now)
        .await
        .expect("erase");
    let erased = d
        .store
        .events_after(seq - 1, 1)
        .await
        .expect("event")
        .remove(0);
    assert!(erased.erased && erased.payload.is_empty());
    d.sign_checkpoint().await.expect("sign");
    let report = docket::verify::verify(&d.store, &signer(7).verifier(), &|_| {})
        .await
        .expect("verify");
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.erased, 1);
    assert!(d.load_case(&case).await.expect("load").is_some());

    // Not twice, and never an event the case depends on.
    let again = d.erase(seq, reason.clone(), &alice, now).await;
    assert!(
        matches!(&again, Err(ServiceError::Rule(v)) if v.rule == Rule::NotErasable),
        "{again:?}"
    );
    let first = trail.entries[0].seq;
    let refused = d.erase(first, reason, &alice, now).await;
    match refused {
        Err(ServiceError::Rule(v)) => {
            assert_eq!(v.rule, Rule::NotErasable);
            assert!(v.message.contains("complaint_received"), "{v}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
both_backends!(views_audit_and_erasure);

async fn start() -> (
    String,
    backend::TestStore,
    docket::service::Docket,
    tokio::sync::oneshot::Sender<()>,
) {
    let t = backend::sqlite().await;
    let d = docket(&t).with_log_signer(signer(7));
    for i in 0..3u64 {
        d.append(simple("s", i * 100, 100)).await.expect("append");
    }
    let (base, stop) = serve(d.clone()).await;
    (base, t, d, stop)
}

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.expect("request")
}

/// A proof endpoint's answer: 200 and its base64 hashes.
async fn proof_of(res: reqwest::Response) -> Vec<Hash> {
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    body["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| b64(h.as_str().expect("str")))
        .collect()
}

/// Waits for the server's checkpointer to sign a tree of at least `size`.
async fn checkpoint_of(
    client: &reqwest::Client,
    base: &str,
    key: &Verifier,
    size: u64,
) -> docket_tlog::Checkpoint {
    for _ in 0..100 {
        let res = get(client, format!("{base}/log/checkpoint")).await;
        if res.status() == 200 {
            let note = res.text().await.expect("body");
            let (cp, _) = open_checkpoint(note.as_bytes(), std::slice::from_ref(key))
                .expect("signed by the log key");
            if cp.size >= size {
                return cp;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no checkpoint of size {size} was signed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_log_verifies_with_the_tlog_crate_alone() {
    let (base, _t, d, _stop) = start().await;
    let client = reqwest::Client::new();
    let vkey = get(&client, format!("{base}/log/key"))
        .await
        .text()
        .await
        .expect("vkey");
    let key = Verifier::from_vkey(vkey.trim()).expect("a vkey");
    assert_eq!(key.name(), "docket/test");
    let cp = checkpoint_of(&client, &base, &key, 300).await;
    assert_eq!((cp.origin.as_str(), cp.size), ("docket/test", 300));

    // Every tile of the tree, checked against the signed root.
    let mut tiles = TileSet::new();
    let mut leaves = Vec::new();
    for tile in tiles_for_growth(0, cp.size) {
        let res = get(&client, format!("{base}/log/{}", tile.path())).await;
        assert_eq!(res.status(), 200, "{}", tile.path());
        let bytes = res.bytes().await.expect("tile");
        if tile.level() == 0 {
            leaves.extend(bytes.chunks(32).map(|c| <Hash>::try_from(c).expect("hash")));
        }
        tiles.insert(tile, &bytes).expect("tile parses");
    }
    tiles
        .verify_root(cp.size, &cp.root_hash)
        .expect("tiles give the signed root");
    assert_eq!(leaves.len(), 300);

    // Inclusion proofs for leaves taken from the tiles.
    for index in [0u64, 1, 255, 256, 299] {
        let res = get(
            &client,
            format!("{base}/log/proof/inclusion?index={index}&size={}", cp.size),
        )
        .await;
        let proof = proof_of(res).await;
        verify_inclusion(
            &leaves[index as usize],
            index,
            cp.size,
            &proof,
            &cp.root_hash,
        )
        .expect("included");
    }

    // The log grows; the new checkpoint is consistent with the old one.
    d.append(simple("s", 300, 50)).await.expect("append");
    let newer = checkpoint_of(&client, &base, &key, 350).await;
    let res = get(
        &client,
        format!(
            "{base}/log/proof/consistency?from={}&to={}",
            cp.size, newer.size
        ),
    )
    .await;
    let proof = proof_of(res).await;
    verify_consistency(cp.size, newer.size, &proof, &cp.root_hash, &newer.root_hash)
        .expect("consistent");

    // Bad requests are problems that say what is wrong; content is never served.
    for (url, status, says) in [
        ("/log/proof/inclusion?index=x&size=3", 400, "whole number"),
        ("/log/proof/inclusion?size=3", 400, "index="),
        (
            "/log/proof/inclusion?index=5&size=5",
            400,
            "not in a tree of 5",
        ),
        (
            "/log/proof/inclusion?index=1&size=100000",
            400,
            "fewer than",
        ),
        ("/log/proof/consistency?from=0&to=5", 400, "0 < from"),
        ("/log/tile/0/999", 404, "beyond"),
        ("/log/tile/0/001", 404, "beyond"),
        ("/log/tile/0/1", 404, "not a tile path"),
        ("/log/tile/entries/0", 404, "only their hashes"),
    ] {
        let res = get(&client, format!("{base}{url}")).await;
        assert_eq!(res.status(), status, "{url}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{url}"
        );
        let body: serde_json::Value = res.json().await.expect("json");
        assert!(
            body["detail"].as_str().expect("detail").contains(says),
            "{url}: {body}"
        );
    }
    let full = Tile::new(0, 0, 256).expect("tile");
    let res = get(&client, format!("{base}/log/{}", full.path())).await;
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
}
