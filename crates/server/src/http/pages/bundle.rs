//! The hearing bundle: what a panel works from, with its decision form.

use super::case::parse;
use super::commands::{Shape, available, blank_forms};
use super::{Chrome, Viewer, api_error_page, render};
use crate::service::Docket;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use docket_domain::case::Case;
use docket_domain::function::Function;
use docket_domain::policy::Action;
use docket_domain::store::codec::format_ts;
use docket_domain::view::CasePart;
use jiff::Timestamp;

#[derive(Template)]
#[template(path = "bundle.html")]
struct BundlePage {
    chrome: Chrome,
    reference: String,
    case: Case,
    panel: Vec<String>,
    responses: Option<Vec<(String, String)>>,
    commands: Vec<Shape>,
    evidence: Vec<crate::evidence::listing::Row>,
    downloads: Vec<(String, crate::bundle::Download)>,
}

/// What a hearing panel works from: the charges with each clause as worded, the evidence
/// relied on, the respondent's responses, the hearing notice, and the decision form when
/// it is theirs to use. Opening it is recorded as a read of the case file.
pub async fn bundle_page(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let now = Timestamp::now();
    let opened = docket
        .open_case_asking(
            &id,
            &viewer.principal,
            CasePart::File,
            &[Action::ViewResponse],
            now,
        )
        .await;
    let (case, allowed) = match opened {
        Ok(found) => found,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let downloads = match docket.bundle_downloads(&id).await {
        Ok(d) => d.into_iter().map(|d| (format_ts(d.at), d)).collect(),
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    // The panel's own forms: the hearing's decision or the appeal's.
    let decisions: Vec<_> = available(&docket, &viewer, &case)
        .into_iter()
        .filter(|s| matches!(s.command, "record_decision" | "decide_appeal"))
        .collect();
    let commands = match blank_forms(&docket, &case, &decisions).await {
        Ok(forms) => forms,
        Err(e) => return api_error_page(&viewer.chrome, e),
    };
    let panel = case
        .functions
        .holders
        .iter()
        .filter(|(_, f)| matches!(f, Function::HearingPanel | Function::AppealPanel))
        .map(|(p, f)| format!("{p} ({})", f.as_str().replace('_', " ")))
        .collect();
    render(
        StatusCode::OK,
        BundlePage {
            chrome: viewer.chrome.clone(),
            reference: id.to_string(),
            panel,
            responses: allowed[0].then(|| {
                case.responses
                    .iter()
                    .map(|(at, t)| (format_ts(*at), t.to_string()))
                    .collect()
            }),
            commands,
            evidence: crate::evidence::listing::rows(&case),
            downloads,
            case,
        },
    )
}

/// The hearing bundle as a ZIP (see `crate::bundle`): recorded in the log, and marked with
/// who downloaded it, when, and its id.
pub async fn bundle_zip(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match docket
        .export_bundle(&id, &viewer.principal, Timestamp::now())
        .await
    {
        Ok(export) => zip_response(export),
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}

/// A bundle as a download: always an attachment, never cached.
pub fn zip_response(export: crate::bundle::Export) -> Response {
    let mut res = Response::new(export.body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The name is the case reference and a hex id: nothing that needs quoting.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
