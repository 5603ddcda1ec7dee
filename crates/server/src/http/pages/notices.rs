//! A notice as its recipient received it: the HTML document, or the PDF letter as an
//! attachment. Staff read any notice on a case they may read; a party reads those addressed
//! to them (`Docket::open_notice`).

use super::case::parse;
use super::{Viewer, api_error_page, error_page};
use crate::http::api::error::ApiError;
use crate::service::Docket;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

/// Both routes (the case page's and the portal's) come here: who is asking decides which
/// way the gate is passed, not the address.
pub async fn read(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, number)): Path<(String, String)>,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (digits, pdf) = match number.strip_suffix(".pdf") {
        Some(n) => (n, true),
        None => (number.as_str(), false),
    };
    let Ok(n) = digits.parse::<u32>() else {
        return error_page(
            &viewer.chrome,
            StatusCode::NOT_FOUND,
            "No such notice",
            "Notices are numbered 1, 2, 3… on each case; add .pdf for the PDF letter.",
        );
    };
    let notice = match docket
        .open_notice(&id, n, &viewer.principal, Timestamp::now())
        .await
    {
        Ok(notice) => notice,
        Err(e) => return api_error_page(&viewer.chrome, ApiError::from(e)),
    };
    if pdf {
        let name = format!("{id}-notice-{n}.pdf");
        return (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    super::evidence::content_disposition(&name),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            crate::notice::to_pdf(&notice.subject, &notice.text),
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        notice.html,
    )
        .into_response()
}
