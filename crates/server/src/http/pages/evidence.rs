//! Evidence on the staff case page: the upload (a multipart form) and the download, both
//! through the gate. A download is always an attachment with the type told by its content,
//! so a stored file is never rendered as a page of this site.

use super::case::parse;
use super::{Viewer, api_error_page, error_page};
use crate::http::api::error::ApiError;
use crate::service::{Docket, ServiceError};
use axum::body::{Body, HttpBody};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::rule::Rule;
use jiff::Timestamp;

/// Room for the multipart framing around the file (boundaries, the field headers, the CSRF
/// field) on top of the file limit.
pub const FRAMING_SLACK: usize = 64 * 1024;

/// An over-limit body is read to its end (up to this many times the limit) before the 413
/// page is sent: a browser still sending when the server answers and closes would show a
/// dropped connection instead of the page. Beyond that the connection is simply closed.
const DRAIN_FACTOR: usize = 4;

fn too_big(viewer: &Viewer, docket: &Docket) -> Response {
    error_page(
        &viewer.chrome,
        StatusCode::PAYLOAD_TOO_LARGE,
        "This file is too large",
        &format!(
            "One evidence file may be at most {}. Nothing was added to the case. Go back and choose a smaller file.",
            crate::evidence::human_size(docket.evidence_limit as u64)
        ),
    )
}

fn bad_form(viewer: &Viewer, detail: &str) -> Response {
    error_page(
        &viewer.chrome,
        StatusCode::BAD_REQUEST,
        "The upload could not be read",
        detail,
    )
}

/// Reads and discards what is left of a body, up to `cap` bytes.
async fn drain(mut body: Body, cap: usize) {
    let mut seen = 0usize;
    while seen <= cap {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}

pub async fn upload(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    req: Request,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body_limit = docket.evidence_limit + FRAMING_SLACK;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > body_limit) {
        drain(req.into_body(), body_limit * DRAIN_FACTOR).await;
        return too_big(&viewer, &docket);
    }
    let mut form = match Multipart::from_request(req, &docket).await {
        Ok(m) => m,
        Err(_) => {
            return bad_form(
                &viewer,
                "The form was not sent as a file upload. Go back to the case page and use its evidence form.",
            );
        }
    };
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return too_big(&viewer, &docket);
            }
            Err(_) => return bad_form(&viewer, "The upload was cut short. Try again."),
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return too_big(&viewer, &docket);
                    }
                    Err(_) => return bad_form(&viewer, "The upload was cut short. Try again."),
                }
            }
            _ => {}
        }
    }
    if let Err(r) = viewer.check_csrf(&csrf) {
        return r;
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) else {
        return error_page(
            &viewer.chrome,
            StatusCode::UNPROCESSABLE_ENTITY,
            "No file was chosen",
            "Choose a file to add as evidence, then upload it.",
        );
    };
    match docket
        .add_evidence(&id, &name, &bytes, &viewer.principal, Timestamp::now())
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}?done=add_evidence")).into_response(),
        Err(ServiceError::Rule(v)) if v.rule == Rule::FileTooLarge => too_big(&viewer, &docket),
        Err(ServiceError::Rule(v))
            if matches!(v.rule, Rule::FileTypeNotAccepted | Rule::InvalidInput) =>
        {
            let mut why = v.message.clone();
            if let Some(first) = why.get(..1) {
                why.replace_range(..1, &first.to_uppercase());
            }
            error_page(
                &viewer.chrome,
                StatusCode::UNPROCESSABLE_ENTITY,
                "This file was not added",
                &format!("{why}. Nothing was added to the case."),
            )
        }
        Err(e) => api_error_page(&viewer.chrome, ApiError::from(e)),
    }
}

/// `attachment` with the name twice: an ASCII fallback every client reads, with anything
/// that could end the quoted string or the header replaced, and the exact name encoded as
/// RFC 6266 / 8187 `filename*` for the clients that read that.
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file from the staff case page: through the gate as `view_evidence`.
pub async fn download(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, number)): Path<(String, String)>,
) -> Response {
    send(docket, viewer, raw, number, false).await
}

/// A file from a party's portal: only one disclosed to them (see
/// `Docket::open_disclosed_evidence`).
pub async fn portal_download(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, number)): Path<(String, String)>,
) -> Response {
    send(docket, viewer, raw, number, true).await
}

async fn send(
    docket: Docket,
    viewer: Viewer,
    raw: String,
    number: String,
    party: bool,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Ok(number) = number.parse::<u32>() else {
        return error_page(
            &viewer.chrome,
            StatusCode::NOT_FOUND,
            "No such evidence item",
            "Evidence items are numbered 1, 2, 3… on each case.",
        );
    };
    let opened = if party {
        docket
            .open_disclosed_evidence(&id, number, &viewer.principal, Timestamp::now())
            .await
    } else {
        docket
            .open_evidence(&id, number, &viewer.principal, Timestamp::now())
            .await
    };
    let (item, bytes) = match opened {
        Ok(found) => found,
        Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
    };
    let content_type = if item.media_type == "text/plain" {
        String::from("text/plain; charset=utf-8")
    } else {
        item.media_type.clone()
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (
            header::CONTENT_DISPOSITION,
            content_disposition(&item.filename),
        ),
        (header::CACHE_CONTROL, String::from("no-store")),
    ] {
        match HeaderValue::from_str(&value) {
            Ok(v) => {
                h.insert(name, v);
            }
            Err(e) => return crate::http::internal(StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_are_quoted_so_they_cannot_break_the_header() {
        assert_eq!(
            content_disposition("letter.pdf"),
            "attachment; filename=\"letter.pdf\"; filename*=UTF-8''letter.pdf"
        );
        assert_eq!(
            content_disposition("a \"b\"\\c é.txt"),
            "attachment; filename=\"a _b__c _.txt\"; filename*=UTF-8''a%20%22b%22%5Cc%20%C3%A9.txt"
        );
    }
}
