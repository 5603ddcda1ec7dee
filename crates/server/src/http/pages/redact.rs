//! The redaction form for a plain-text evidence file (see `evidence::redact`): the words to
//! take out and why. A problem shows the form again with what was typed and the problem
//! beside its field; a copy added goes back to the case page saying so.

use super::case::parse;
use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::http::api::error::ApiError;
use crate::service::{Docket, ServiceError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::ids::{CaseId, Text};
use docket_domain::rule::Rule;
use docket_domain::view::CasePart;
use jiff::Timestamp;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "evidence_redact.html")]
struct RedactPage {
    chrome: Chrome,
    reference: String,
    number: u32,
    filename: String,
    terms: String,
    reasons: String,
    errors: FieldErrors,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RedactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    reasons: String,
}

/// The case and item named by the path, or the page that says why not. Reading the form
/// is a read of the case's evidence, recorded as any other.
async fn item(
    docket: &Docket,
    viewer: &Viewer,
    raw: &str,
    number: &str,
) -> Result<(CaseId, u32, String), Response> {
    let id = parse(&viewer.chrome, raw)?;
    let not_found = || {
        error_page(
            &viewer.chrome,
            StatusCode::NOT_FOUND,
            "No such evidence item",
            "Evidence items are numbered 1, 2, 3… on each case.",
        )
    };
    let number = number.parse::<u32>().map_err(|_| not_found())?;
    let case = docket
        .open_case(&id, &viewer.principal, CasePart::Evidence, Timestamp::now())
        .await
        .map_err(|e| api_error_page(&viewer.chrome, e.into()))?;
    let e = case
        .evidence
        .iter()
        .find(|e| e.item.number == number)
        .ok_or_else(not_found)?;
    Ok((id, number, e.item.filename.clone()))
}

pub async fn redact_page(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, number)): Path<(String, String)>,
) -> Response {
    let (id, number, filename) = match item(&docket, &viewer, &raw, &number).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        RedactPage {
            chrome: viewer.chrome.clone(),
            reference: id.to_string(),
            number,
            filename,
            terms: String::new(),
            reasons: String::new(),
            errors: FieldErrors::default(),
            problem: None,
        },
    )
}

pub async fn redact(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, number)): Path<(String, String)>,
    Form(form): Form<RedactForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(&form.csrf) {
        return r;
    }
    let (id, number, filename) = match item(&docket, &viewer, &raw, &number).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::default();
    let terms: Vec<String> = form.terms.lines().map(str::to_string).collect();
    let reasons = Text::parse(&form.reasons)
        .map_err(|why| errors.add("reasons", format!("Say why they are taken out: {why}.")))
        .ok();
    let mut problem = None;
    if let Some(reasons) = reasons {
        let added = docket
            .redact_text(
                &id,
                number,
                &terms,
                reasons,
                &viewer.principal,
                Timestamp::now(),
            )
            .await;
        match added {
            Ok(_) => {
                return Redirect::to(&format!("/cases/{id}?done=add_evidence")).into_response();
            }
            Err(ServiceError::Rule(v)) if v.rule == Rule::InvalidInput => {
                match v.message.split_once(": ") {
                    Some(("terms", why)) => errors.add("terms", sentence(why)),
                    _ => problem = Some(v.message),
                }
            }
            Err(ServiceError::Rule(v)) => problem = Some(v.to_string()),
            Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
        }
    }
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        RedactPage {
            chrome: viewer.chrome.clone(),
            reference: id.to_string(),
            number,
            filename,
            terms: form.terms,
            reasons: form.reasons,
            errors,
            problem,
        },
    )
}

/// A problem as a sentence beside its field.
fn sentence(why: &str) -> String {
    let mut s = why.to_string();
    if let Some(first) = s.get(..1) {
        s.replace_range(..1, &first.to_uppercase());
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
