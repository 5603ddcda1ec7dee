//! Evidence files over the API: a file sent as the raw request body, read as it arrives
//! (never whole, so a long recording costs no more memory than a letter), and a file
//! fetched the same way it is on the pages, through the gate and checked against the log.

use super::cases::reference;
use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::auth::Caller;
use crate::service::{Docket, ServiceError};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_domain::evidence::EvidenceItem;
use docket_domain::ids::Text;
use docket_domain::rule::Rule;
use futures_util::StreamExt;
use jiff::Timestamp;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as the sender has it: kept to show people, never used as a path.
    pub filename: String,
    /// Set when the file is a redacted copy: the number of the item it was made from (which
    /// stays as it is). `reasons` is then required.
    pub redacts: Option<u32>,
    /// What was taken out of the copy and why.
    pub reasons: Option<String>,
}

/// Adds an evidence file to a case: the file is the request body, its type told by its
/// content. Its SHA-256 is recorded in the case's log as it arrives.
#[utoipa::path(post, path = "/cases/{reference}/evidence", tag = "cases",
    params(("reference" = String, Path, description = "The case reference"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = EvidenceItem), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    req: Request,
) -> Result<(StatusCode, Json<EvidenceItem>), ApiError> {
    caller.may_write()?;
    let id = reference(&raw)?;
    let now = Timestamp::now();
    let redaction = crate::evidence::redaction_from(q.redacts, q.reasons.as_deref())?;
    let mut upload = docket
        .begin_upload(&id, &q.filename, redaction, &caller.0, now)
        .await?;
    let mut body = req.into_body().into_data_stream();
    while let Some(piece) = body.next().await {
        let pushed = match piece {
            Ok(bytes) => upload.push(&docket, &bytes).await,
            Err(_) => {
                upload.abandon(&docket).await;
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "The upload was cut short",
                    "The connection ended before the whole file arrived; nothing was added. Send it again.",
                ));
            }
        };
        if let Err(e) = pushed {
            upload.abandon(&docket).await;
            return Err(refusal(e));
        }
    }
    let received = upload.finish(&docket).await.map_err(refusal)?;
    let (_, item) = docket
        .finish_upload(received, &caller.0, now)
        .await
        .map_err(refusal)?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// A file over a limit is a 413, as the HTTP status says it; other refusals as any other.
fn refusal(e: ServiceError) -> ApiError {
    match e {
        ServiceError::Rule(v) if v.rule == Rule::FileTooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "This file is too large",
            format!("{}; nothing was added", v.message),
        )
        .with_rule(v.rule),
        other => other.into(),
    }
}

/// An evidence file: to staff who may see the case's evidence, and to a party only what
/// has been disclosed to them (any other is refused, and the refusal recorded).
#[utoipa::path(get, path = "/cases/{reference}/evidence/{number}", tag = "cases",
    params(("reference" = String, Path, description = "The case reference"),
           ("number" = u32, Path, description = "The item's number on the case: 1, 2, 3…")),
    responses((status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 500, body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath((raw, number)): ApiPath<(String, u32)>,
) -> Result<Response, ApiError> {
    let id = reference(&raw)?;
    let contents = docket
        .open_disclosed_evidence(&id, number, &caller.0, Timestamp::now())
        .await?;
    let item = contents.item().clone();
    let body = contents.body().await?;
    let response = Response::builder()
        .header(
            "content-type",
            crate::http::pages::evidence::served_type(&item),
        )
        .header(
            "content-disposition",
            crate::http::pages::evidence::content_disposition(&item.filename),
        )
        .header("content-length", item.size)
        .header("cache-control", "no-store")
        .body(body)
        .map_err(ApiError::internal)?;
    Ok(response)
}

/// The hearing bundle: one ZIP of an index page (each item with its SHA-256 and who it was
/// disclosed to, marked with who downloaded it, when, and the bundle's id), a SHA256SUMS
/// file and every evidence file. For those who may see the case's evidence; each download
/// is recorded in the log before the first byte is sent.
#[utoipa::path(get, path = "/cases/{reference}/bundle", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, description = "The bundle, as an attachment", content_type = "application/zip"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 500, body = Problem, content_type = "application/problem+json")))]
pub async fn bundle(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = reference(&raw)?;
    let export = docket
        .export_bundle(&id, &caller.0, Timestamp::now())
        .await?;
    Ok(crate::http::pages::bundle::zip_response(export))
}

/// A redaction of a plain-text evidence file: the words and phrases to take out.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRedaction {
    /// Each is replaced by `[redacted]` wherever it occurs, in any letter case.
    pub terms: Vec<String>,
    /// Why they are taken out.
    pub reasons: Text,
}

/// Adds a redacted copy of plain-text item `number`: every occurrence of each term replaced
/// by `[redacted]`. The copy is a new item with its own SHA-256, linked to the original,
/// which stays as it is; once it has a copy, the original is not disclosed to a party.
#[utoipa::path(post, path = "/cases/{reference}/evidence/{number}/redactions", tag = "cases",
    params(("reference" = String, Path, description = "The case reference"),
           ("number" = u32, Path, description = "The plain-text item to redact")),
    request_body = TextRedaction,
    responses((status = 201, body = EvidenceItem), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn redact(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath((raw, number)): ApiPath<(String, u32)>,
    ApiJson(body): ApiJson<TextRedaction>,
) -> Result<(StatusCode, Json<EvidenceItem>), ApiError> {
    caller.may_write()?;
    let id = reference(&raw)?;
    let (_, item) = docket
        .redact_text(
            &id,
            number,
            &body.terms,
            body.reasons,
            &caller.0,
            Timestamp::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}
