//! The transparency log over HTTP: public and read-only, hashes and signatures only, never
//! content. Checkpoints, tiles (C2SP tlog-tiles) and proofs; entry bundles are not served,
//! because entries are the events themselves.

use super::{internal, problem, store_failure};
use crate::service::Docket;
use crate::transparency::LogError;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use docket_tlog::{Hash, Tile};
use std::collections::HashMap;

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h)
}

fn log_failure(e: LogError) -> Response {
    match e {
        LogError::OutOfRange(msg) => problem(StatusCode::NOT_FOUND, "Not in the log", &msg),
        LogError::NoKey => problem(
            StatusCode::NOT_FOUND,
            "No checkpoint",
            "This server was started without the transparency log's signing key.",
        ),
        LogError::Store(e) => store_failure(e),
        other => internal(StatusCode::INTERNAL_SERVER_ERROR, other),
    }
}

/// The latest signed checkpoint, as the C2SP signed note.
pub(super) async fn checkpoint(State(docket): State<Docket>) -> Response {
    match docket.store.latest_checkpoint().await {
        Ok(Some(c)) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            c.note,
        )
            .into_response(),
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            "No checkpoint yet",
            "No checkpoint has been signed yet: one is signed shortly after the first event.",
        ),
        Err(e) => store_failure(e),
    }
}

/// `/log/tile/<L>/<N>[.p/<W>]`: the hashes of one tile, concatenated.
pub(super) async fn tile(State(docket): State<Docket>, Path(rest): Path<String>) -> Response {
    let path = format!("tile/{rest}");
    if rest.starts_with("entries/") {
        return problem(
            StatusCode::NOT_FOUND,
            "Entry bundles are not public",
            "The log's entries are case events; only their hashes are published.",
        );
    }
    let tile = match Tile::parse_path(&path) {
        Ok(t) => t,
        Err(e) => {
            return problem(
                StatusCode::NOT_FOUND,
                "Not a tile",
                &format!("'{path}' is not a tile path (tile/<level>/<index>[.p/<width>]): {e}"),
            );
        }
    };
    match docket.tile(tile).await {
        // A full tile never changes; a partial one is superseded by a wider one, but its own
        // bytes never change either.
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => log_failure(e),
    }
}

/// A whole-number query parameter, or a problem naming it.
fn number(q: &HashMap<String, String>, name: &str) -> Result<u64, Box<Response>> {
    let raw = q.get(name).ok_or_else(|| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            "Missing parameter",
            &format!("Give {name}=<number> in the query string."),
        ))
    })?;
    raw.parse().map_err(|_| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            "Not a number",
            &format!("{name} must be a whole number of 0 or more, not '{raw}'."),
        ))
    })
}

fn bad_range(e: LogError) -> Response {
    match e {
        LogError::OutOfRange(msg) => problem(
            StatusCode::BAD_REQUEST,
            "Not a proof the log can give",
            &msg,
        ),
        other => log_failure(other),
    }
}

/// `?index=I&size=N`: the inclusion proof of leaf I in the tree of N leaves.
pub(super) async fn inclusion(
    State(docket): State<Docket>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match two_numbers(&q, "index", "size") {
        Ok((index, size)) => proof_response(
            [("index", index), ("size", size)],
            docket.inclusion_proof(index, size).await,
        ),
        Err(r) => *r,
    }
}

/// `?from=M&to=N`: the consistency proof between the trees of M and N leaves.
pub(super) async fn consistency(
    State(docket): State<Docket>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match two_numbers(&q, "from", "to") {
        Ok((from, to)) => proof_response(
            [("from", from), ("to", to)],
            docket.consistency_proof(from, to).await,
        ),
        Err(r) => *r,
    }
}

/// Both numbers, or the problem naming the first that is missing or not a number.
fn two_numbers(q: &HashMap<String, String>, a: &str, b: &str) -> Result<(u64, u64), Box<Response>> {
    Ok((number(q, a)?, number(q, b)?))
}

/// A proof as JSON: what it is for, under the query's own names, and its hashes in base64.
fn proof_response(for_: [(&str, u64); 2], proof: Result<Vec<Hash>, LogError>) -> Response {
    match proof {
        Ok(proof) => {
            let mut body = serde_json::Map::new();
            for (name, n) in for_ {
                body.insert(name.into(), n.into());
            }
            body.insert("proof".into(), proof.iter().map(b64).collect());
            axum::Json(body).into_response()
        }
        Err(e) => bad_range(e),
    }
}
