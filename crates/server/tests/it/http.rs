//! The real server on a loopback port: health, the status page, errors, security headers.

use crate::backend;
use crate::support::{docket, serve, small_demo};

async fn start() -> (String, backend::TestStore, tokio::sync::oneshot::Sender<()>) {
    let t = backend::sqlite().await;
    let signer = docket_tlog::Signer::from_seed("docket/test", [7; 32]).expect("signer");
    let d = docket(&t).with_log_signer(signer);
    small_demo(&d).await;
    let (base, stop) = serve(d).await;
    (base, t, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_health_and_errors() {
    let (base, _t, _stop) = start().await;
    let client = reqwest::Client::new();

    let res = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert!(body["events"].as_u64().expect("events") > 3_000);

    let res = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("status page");
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert!(
        h["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let html = res.text().await.expect("html");
    assert!(html.contains("<dt>Open cases</dt><dd>90</dd>"), "{html}");
    assert!(html.contains("<dt>Cases</dt><dd>300</dd>"));
    assert!(html.contains("20,000 members"));
    assert!(
        !html.contains("Marc Wilde") && !html.contains("narrative"),
        "no case content is served"
    );

    let res = client
        .get(format!("{base}/no/such/page"))
        .send()
        .await
        .expect("404");
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = res.json().await.expect("problem");
    assert_eq!(problem["status"], 404);
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_log_key_is_a_clear_404() {
    let t = backend::sqlite().await;
    let (base, stop) = serve(docket(&t)).await;
    let res = reqwest::get(format!("{base}/log/key")).await.expect("get");
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let _ = stop.send(());
}

/// A case's audit trail over HTTP: every entry's proof checks against the signed checkpoint
/// with the log's published key, and asking for it is itself recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_trail_proofs_check_against_the_published_key() {
    use base64::Engine;
    let (base, t, _stop) = start().await;
    let client = reqwest::Client::new();
    let token = crate::support::token(
        &crate::support::docket(&t),
        "oversight.test",
        &[docket_domain::role::Role::Oversight],
    )
    .await;
    let case = t
        .store
        .list_cases(&docket_domain::store::CaseFilter::default())
        .await
        .expect("cases")
        .remove(0)
        .id;
    let vkey = client
        .get(format!("{base}/log/key"))
        .send()
        .await
        .expect("key")
        .text()
        .await
        .expect("text");
    let key = docket_tlog::Verifier::from_vkey(vkey.trim()).expect("vkey");
    let mut trail = serde_json::Value::Null;
    for _ in 0..100 {
        let res = client
            .get(format!("{base}/api/v1/cases/{case}/audit"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("audit");
        assert_eq!(res.status(), 200);
        trail = res.json().await.expect("json");
        if trail["checkpoint"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let note = trail["checkpoint"].as_str().expect("a signed checkpoint");
    let (cp, _) =
        docket_tlog::open_checkpoint(note.as_bytes(), std::slice::from_ref(&key)).expect("signed");
    let hash = |v: &serde_json::Value| -> docket_tlog::Hash {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("str"))
            .expect("b64")
            .try_into()
            .expect("32 bytes")
    };
    let entries = trail["entries"].as_array().expect("entries");
    let mut proved = 0;
    for e in entries {
        if let Some(proof) = e["proof"].as_array() {
            let proof: Vec<_> = proof.iter().map(hash).collect();
            let index = e["index"].as_u64().expect("index");
            docket_tlog::verify_inclusion(
                &hash(&e["leaf_hash"]),
                index,
                cp.size,
                &proof,
                &cp.root_hash,
            )
            .expect("included");
            proved += 1;
        }
        assert!(e.get("payload").is_none(), "no content in the audit trail");
    }
    assert!(proved >= 3, "{proved}");
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "case_viewed" && e["actor"] == "oversight.test")
    );

    let res = client
        .get(format!("{base}/api/v1/cases/DK-0000-0000/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("audit");
    assert_eq!(res.status(), 404);
    let res = client
        .get(format!("{base}/api/v1/cases/nonsense/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("audit");
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}
