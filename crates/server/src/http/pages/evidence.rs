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
    // The CSRF field comes before the file in the form, so the token is checked before a
    // byte of the file is kept; a file that comes first is refused unread.
    let mut csrf: Option<String> = None;
    // A redacted copy's form names its original and the reasons, before the file too.
    let (mut redacts, mut reasons) = (None::<String>, None::<String>);
    let mut added = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return too_big(&viewer, &docket);
            }
            Err(_) => return bad_form(&viewer, "The upload was cut short. Try again."),
        };
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.unwrap_or_default()),
            Some("redacts") => redacts = Some(field.text().await.unwrap_or_default()),
            Some("reasons") => reasons = Some(field.text().await.unwrap_or_default()),
            Some("file") if added.is_none() => {
                let Some(token) = &csrf else {
                    return bad_form(
                        &viewer,
                        "The form's security token did not come before the file. Go back to the case page and use its evidence form.",
                    );
                };
                if let Err(r) = viewer.check_csrf(token) {
                    return r;
                }
                let name = field.file_name().unwrap_or_default().to_string();
                let now = Timestamp::now();
                let original = match redacts.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => match n.parse::<u32>() {
                        Ok(n) => Some(n),
                        Err(_) => {
                            return bad_form(
                                &viewer,
                                "Choose the item this file is a redacted copy of from the list.",
                            );
                        }
                    },
                };
                let redaction = match crate::evidence::redaction_from(original, reasons.as_deref())
                {
                    Ok(r) => r,
                    Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
                };
                let mut upload = match docket
                    .begin_upload(&id, &name, redaction, &viewer.principal, now)
                    .await
                {
                    Ok(u) => u,
                    Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
                };
                let (mut failed, mut drained) = (None, 0usize);
                loop {
                    match field.chunk().await {
                        // A refused file is read on to its end (within reason) before the
                        // page is sent: a browser still sending when the server answers and
                        // closes would show a dropped connection instead of the page.
                        Ok(Some(bytes)) if failed.is_some() => {
                            drained += bytes.len();
                            if drained > body_limit * DRAIN_FACTOR {
                                break;
                            }
                        }
                        Ok(Some(bytes)) => {
                            if let Err(e) = upload.push(&docket, &bytes).await {
                                failed = Some(Err(e));
                            }
                        }
                        Ok(None) => break,
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            upload.abandon(&docket).await;
                            return too_big(&viewer, &docket);
                        }
                        Err(_) => {
                            upload.abandon(&docket).await;
                            return bad_form(&viewer, "The upload was cut short. Try again.");
                        }
                    }
                }
                added = Some(match failed {
                    Some(e) => {
                        upload.abandon(&docket).await;
                        e
                    }
                    None if upload.is_empty() && name.is_empty() => {
                        upload.abandon(&docket).await;
                        return no_file(&viewer);
                    }
                    None => match upload.finish(&docket).await {
                        Ok(received) => {
                            docket.finish_upload(received, &viewer.principal, now).await
                        }
                        Err(e) => Err(e),
                    },
                });
            }
            _ => {}
        }
    }
    let Some(added) = added else {
        if let Err(r) = viewer.check_csrf(csrf.as_deref().unwrap_or_default()) {
            return r;
        }
        return no_file(&viewer);
    };
    match added {
        Ok(_) => Redirect::to(&format!("/cases/{id}?done=add_evidence")).into_response(),
        Err(ServiceError::Rule(v)) if v.rule == Rule::FileTooLarge => error_page(
            &viewer.chrome,
            StatusCode::PAYLOAD_TOO_LARGE,
            "This file is too large",
            &format!("{}. Nothing was added to the case.", sentence(&v.message)),
        ),
        Err(ServiceError::Rule(v))
            if matches!(v.rule, Rule::FileTypeNotAccepted | Rule::InvalidInput) =>
        {
            error_page(
                &viewer.chrome,
                StatusCode::UNPROCESSABLE_ENTITY,
                "This file was not added",
                &format!("{}. Nothing was added to the case.", sentence(&v.message)),
            )
        }
        Err(e) => api_error_page(&viewer.chrome, ApiError::from(e)),
    }
}

fn no_file(viewer: &Viewer) -> Response {
    error_page(
        &viewer.chrome,
        StatusCode::UNPROCESSABLE_ENTITY,
        "No file was chosen",
        "Choose a file to add as evidence, then upload it.",
    )
}

/// A rule's message as a sentence: its first letter capitalised.
fn sentence(message: &str) -> String {
    let mut why = message.to_string();
    if let Some(first) = why.get(..1) {
        why.replace_range(..1, &first.to_uppercase());
    }
    why
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
    let contents = match opened {
        Ok(found) => found,
        Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
    };
    attachment(&viewer, contents).await
}

/// The Content-Type a file is served with: its detected type, with the charset for text.
pub fn served_type(item: &docket_domain::evidence::EvidenceItem) -> String {
    if item.media_type == "text/plain" {
        String::from("text/plain; charset=utf-8")
    } else {
        item.media_type.clone()
    }
}

/// A stored file as a download: whole and checked first when small, streamed when large
/// (see `evidence::contents`). Always an attachment, with the type told by its content, so
/// a stored file is never rendered as a page of this site.
pub async fn attachment(
    viewer: &Viewer,
    contents: crate::evidence::contents::Contents,
) -> Response {
    let item = contents.item().clone();
    let content_type = served_type(&item);
    let mut res = match contents.body().await {
        Ok(body) => body.into_response(),
        Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
    };
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(item.size));
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
