//! Oversight's view of the transparency log: every signed checkpoint, and a verification run
//! over the whole log that is the same code as `docket verify`, shown check by check.

use super::oversight::{PageQuery, Pager, gate, minute};
use super::{Chrome, Viewer, api_error_page, error_page, render};
use crate::http::api::error::ApiError;
use crate::service::Docket;
use crate::verify::{Problem, VerifyReport};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use docket_domain::policy::Action;
use docket_domain::store::StoredCheckpoint;
use docket_tlog::{Checkpoint, Verifier, open_checkpoint};
use serde::Deserialize;
use std::sync::LazyLock;
use std::time::Instant;
use tokio::sync::Semaphore;

/// Checkpoints per page: each shows its whole signed note.
const PER_PAGE: usize = 20;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct CheckpointRow {
    size: u64,
    root: String,
    /// When the last event it covers was recorded: the note itself carries no time.
    covers_until: String,
    signature: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "oversight_checkpoints.html")]
struct CheckpointsPage {
    chrome: Chrome,
    rows: Vec<CheckpointRow>,
    pager: Pager,
    vkey: Option<String>,
}

pub async fn checkpoints(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewAuditTrail).await {
        return page;
    }
    match checkpoint_rows(&docket, &viewer, q.number()).await {
        Ok(page) => render(StatusCode::OK, page),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

fn key(docket: &Docket) -> Option<Verifier> {
    docket.log_signer.as_ref().map(|s| s.verifier())
}

/// All kept checkpoints, smallest first. Checkpoints are small (a few hundred bytes), so
/// reading every one to show the newest first is cheap next to the events they sign.
async fn all_checkpoints(docket: &Docket) -> Result<Vec<StoredCheckpoint>, ApiError> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = docket.store.checkpoints_after(after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = last.size;
        all.extend(page);
    }
    Ok(all)
}

async fn checkpoint_rows(
    docket: &Docket,
    viewer: &Viewer,
    page: usize,
) -> Result<CheckpointsPage, ApiError> {
    let mut all = all_checkpoints(docket).await?;
    all.reverse();
    let pager = Pager::new(page, all.len(), PER_PAGE);
    let key = key(docket);
    let mut rows = Vec::new();
    for c in pager.cut(all, PER_PAGE) {
        let body = c
            .note
            .split_once("\n\n")
            .map(|(b, _)| format!("{b}\n"))
            .unwrap_or_default();
        let root = Checkpoint::parse(&body)
            .map(|cp| b64(&cp.root_hash))
            .unwrap_or_else(|_| "(the note cannot be read)".to_string());
        let signature = match &key {
            None => "not checked (this server has no log key)",
            Some(k) => match open_checkpoint(c.note.as_bytes(), std::slice::from_ref(k)) {
                Ok((cp, _)) if cp.size == c.size => "verifies with the log's key",
                _ => "DOES NOT VERIFY",
            },
        };
        let covers_until = docket
            .store
            .events_after(c.size.saturating_sub(1), 1)
            .await?
            .first()
            .filter(|e| e.seq == c.size)
            .map(|e| minute(e.at))
            .unwrap_or_else(|| "(event missing)".to_string());
        rows.push(CheckpointRow {
            size: c.size,
            root,
            covers_until,
            signature,
            note: c.note,
        });
    }
    Ok(CheckpointsPage {
        chrome: viewer.chrome.clone(),
        rows,
        pager,
        vkey: key.map(|k| k.vkey()),
    })
}

// ------------------------------------ verify ------------------------------------

/// One verification at a time: it reads and hashes the whole log, and several at once
/// would only slow every one of them and the requests around them.
static RUNNING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

/// One check of the run and what it found.
struct Check {
    name: &'static str,
    passed: bool,
    problems: Vec<String>,
}

struct Outcome {
    passed: bool,
    checks: Vec<Check>,
    events: u64,
    megabytes: String,
    erased: u64,
    checkpoints: u64,
    root: String,
    millis: u128,
}

#[derive(Template)]
#[template(path = "oversight_verify.html")]
struct VerifyPage {
    chrome: Chrome,
    vkey: Option<String>,
    outcome: Option<Outcome>,
    busy: bool,
}

#[derive(Debug, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    csrf: String,
}

pub async fn verify_form(State(docket): State<Docket>, viewer: Viewer) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewAuditTrail).await {
        return page;
    }
    render(
        StatusCode::OK,
        VerifyPage {
            chrome: viewer.chrome.clone(),
            vkey: key(&docket).map(|k| k.vkey()),
            outcome: None,
            busy: false,
        },
    )
}

/// Runs the verification. A POST with the form's token, though it changes nothing: it is
/// expensive, so it runs only when someone asks for it, not when a link is prefetched.
pub async fn verify_run(
    State(docket): State<Docket>,
    viewer: Viewer,
    Form(form): Form<RunForm>,
) -> Response {
    if let Err(page) = viewer.check_csrf(&form.csrf) {
        return page;
    }
    if let Err(page) = gate(&docket, &viewer, Action::ViewAuditTrail).await {
        return page;
    }
    let Some(key) = key(&docket) else {
        return error_page(
            &viewer.chrome,
            StatusCode::CONFLICT,
            "This server cannot verify the log",
            "It has no log key to check the checkpoints' signatures with. Run `docket verify --vkey …` with the log's published verifier key instead.",
        );
    };
    let page = |outcome, busy| VerifyPage {
        chrome: viewer.chrome.clone(),
        vkey: Some(key.vkey()),
        outcome,
        busy,
    };
    let Ok(_running) = RUNNING.try_acquire() else {
        return render(StatusCode::SERVICE_UNAVAILABLE, page(None, true));
    };
    let started = Instant::now();
    match crate::verify::verify(&docket.store, &key, &|_| {}).await {
        Ok(report) => {
            let outcome = outcome(report, started.elapsed().as_millis());
            tracing::info!(
                passed = outcome.passed,
                events = outcome.events,
                "verification run from the oversight page"
            );
            render(StatusCode::OK, page(Some(outcome), false))
        }
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}

/// The checks `docket verify` makes, each with the problems it found.
fn outcome(report: VerifyReport, millis: u128) -> Outcome {
    let mut checks = vec![
        Check {
            name: "Every checkpoint is signed by the log's key",
            passed: true,
            problems: vec![],
        },
        Check {
            name: "Every event's leaf, recomputed from the event, is in place, with no event removed, inserted or reordered",
            passed: true,
            problems: vec![],
        },
        Check {
            name: "The tree recomputed from the events has the root each checkpoint signed",
            passed: true,
            problems: vec![],
        },
        Check {
            name: "Each checkpoint is consistent with the one after it",
            passed: true,
            problems: vec![],
        },
        Check {
            name: "The store still holds everything a checkpoint signed",
            passed: true,
            problems: vec![],
        },
    ];
    for p in &report.problems {
        let i = match p {
            Problem::BadSignature { .. } | Problem::Mislabelled { .. } => 0,
            Problem::Removed { .. }
            | Problem::Altered { .. }
            | Problem::Reordered { .. }
            | Problem::Inserted { .. }
            | Problem::NotInTree { .. }
            | Problem::LeafRowChanged { .. }
            | Problem::ErasedWithoutLeaf { .. } => 1,
            Problem::RootMismatch { .. } => 2,
            Problem::Inconsistent { .. } => 3,
            Problem::Truncated { .. } | Problem::LeavesWithoutEvents { .. } => 4,
        };
        checks[i].passed = false;
        checks[i].problems.push(p.to_string());
    }
    Outcome {
        passed: report.problems.is_empty(),
        checks,
        events: report.events,
        megabytes: format!("{:.1}", report.bytes as f64 / 1e6),
        erased: report.erased,
        checkpoints: report.checkpoints,
        root: b64(&report.root),
        millis,
    }
}
