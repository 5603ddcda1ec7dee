//! A case's audit trail with every inclusion proof checked against the latest signed
//! checkpoint and the log's published key, entry by entry.

use super::case::parse;
use super::{Chrome, Viewer, api_error_page, render};
use crate::service::Docket;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;

#[derive(Debug)]
pub struct ProofRow {
    pub seq: u64,
    pub what: String,
    pub who: String,
    pub at: String,
    pub leaf: String,
    pub result: String,
    pub ok: bool,
}

#[derive(Template)]
#[template(path = "case_verify.html")]
struct VerifyPage {
    chrome: Chrome,
    reference: String,
    tree_size: u64,
    root_hash: String,
    checkpoint: Option<String>,
    vkey: String,
    signature: String,
    rows: Vec<ProofRow>,
    proved: usize,
    pending: usize,
}

/// The case's audit trail with every inclusion proof checked, here, against the latest
/// signed checkpoint and the log's published key: what `docket verify` and an outsider
/// would check, shown entry by entry.
pub async fn verify_page(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let trail = match docket.audit(&id, &viewer.principal, Timestamp::now()).await {
        Ok(t) => t,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let b64 = |h: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(h)
    };
    let verifier = docket.log_signer.as_ref().map(|s| s.verifier());
    let opened = match (&trail.checkpoint, &verifier) {
        (Some(note), Some(key)) => Some(docket_tlog::open_checkpoint(
            note.as_bytes(),
            std::slice::from_ref(key),
        )),
        _ => None,
    };
    let signature = match &opened {
        None => {
            "No signed checkpoint yet: the entries will be covered by the next one.".to_string()
        }
        Some(Ok(_)) => {
            "The checkpoint's signature verifies with the log's published key.".to_string()
        }
        Some(Err(e)) => format!("The checkpoint's signature does NOT verify: {e}"),
    };
    let cp = opened.and_then(Result::ok).map(|(cp, _)| cp);
    let mut rows = Vec::new();
    let (mut proved, mut pending) = (0, 0);
    for e in &trail.entries {
        let (result, ok) = match (&e.proof, &cp) {
            (Some(proof), Some(cp)) => match docket_tlog::verify_inclusion(
                &e.leaf_hash,
                e.index,
                cp.size,
                proof,
                &cp.root_hash,
            ) {
                Ok(()) => {
                    proved += 1;
                    (
                        format!("Included: proof of {} hashes checked", proof.len()),
                        true,
                    )
                }
                Err(err) => (format!("NOT included: {err}"), false),
            },
            _ => {
                pending += 1;
                (
                    "Newer than the checkpoint: covered by the next one".to_string(),
                    true,
                )
            }
        };
        rows.push(ProofRow {
            seq: e.seq,
            what: e.kind.replace('_', " "),
            who: e.actor.clone(),
            at: e.at.clone(),
            leaf: b64(&e.leaf_hash),
            result,
            ok,
        });
    }
    render(
        StatusCode::OK,
        VerifyPage {
            chrome: viewer.chrome.clone(),
            reference: id.to_string(),
            tree_size: trail.tree_size,
            root_hash: b64(&trail.root_hash),
            checkpoint: trail.checkpoint.clone(),
            vkey: verifier.map(|v| v.vkey()).unwrap_or_default(),
            signature,
            rows,
            proved,
            pending,
        },
    )
}
