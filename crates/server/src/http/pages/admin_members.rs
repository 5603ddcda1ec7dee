//! The membership import: a CSV uploaded as a file or pasted, checked row by row before
//! anything is written. A file with any bad row imports nothing and lists every problem by
//! line and column; a good file is imported in one transaction (`Docket::import_members`,
//! as `docket import-members` does) and the page then says how many members it brought in.

use super::oversight::gate;
use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::members::{HEADER, RowError, parse_csv};
use crate::service::Docket;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::policy::Action;
use jiff::Timestamp;
use serde::Deserialize;

/// The largest upload taken: about 80,000 members. A whole national list is imported with
/// `docket import-members` on the server instead.
pub const MAX_UPLOAD: usize = 8 * 1024 * 1024;

#[derive(Template)]
#[template(path = "admin_members.html")]
struct ImportPage {
    chrome: Chrome,
    header: String,
    pasted: String,
    errors: FieldErrors,
    rows: Vec<RowError>,
    imported: Option<u64>,
    members: String,
    max_mb: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct Imported {
    #[serde(default)]
    imported: Option<String>,
}

fn page(chrome: &Chrome, members: u64) -> ImportPage {
    ImportPage {
        chrome: chrome.clone(),
        header: HEADER.join(","),
        pasted: String::new(),
        errors: FieldErrors::default(),
        rows: vec![],
        imported: None,
        members: crate::figures::thousands(members),
        max_mb: MAX_UPLOAD / 1024 / 1024,
    }
}

pub async fn form(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<Imported>,
) -> Response {
    if let Err(p) = gate(&docket, &viewer, Action::ImportMembers).await {
        return p;
    }
    let members = match docket.store.member_count().await {
        Ok(n) => n,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let mut p = page(&viewer.chrome, members);
    p.imported = q.imported.and_then(|n| n.parse().ok());
    render(StatusCode::OK, p)
}

/// The parts of the form, read whole (the body limit bounds them).
#[derive(Default)]
struct Upload {
    csrf: String,
    file_name: String,
    file: Vec<u8>,
    pasted: String,
}

async fn read(mut multipart: Multipart) -> Result<Upload, String> {
    let mut up = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(|e| e.body_text())?,
            "pasted" => up.pasted = field.text().await.map_err(|e| e.body_text())?,
            "file" => {
                up.file_name = field.file_name().unwrap_or("").to_string();
                up.file = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

pub async fn import(
    State(docket): State<Docket>,
    viewer: Viewer,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let upload = match multipart {
        Ok(m) => read(m).await,
        Err(e) => Err(e.body_text()),
    };
    let up = match upload {
        Ok(up) => up,
        Err(why) => {
            return error_page(
                &viewer.chrome,
                StatusCode::BAD_REQUEST,
                "The upload could not be read",
                &format!(
                    "Nothing was imported: {why}. Files up to {} MB are taken here.",
                    MAX_UPLOAD / 1024 / 1024
                ),
            );
        }
    };
    if let Err(p) = viewer.check_csrf(&up.csrf) {
        return p;
    }
    if let Err(p) = gate(&docket, &viewer, Action::ImportMembers).await {
        return p;
    }
    let members = match docket.store.member_count().await {
        Ok(n) => n,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let mut again = page(&viewer.chrome, members);
    again.pasted = up.pasted.clone();
    // A chosen file wins over the box; a browser sends an empty file part when none is chosen.
    let (csv, field, source) = if !up.file.is_empty() {
        let name = if up.file_name.trim().is_empty() {
            "uploaded file".to_string()
        } else {
            up.file_name.clone()
        };
        (up.file, "file", name)
    } else {
        (
            up.pasted.into_bytes(),
            "pasted",
            "pasted on the web".to_string(),
        )
    };
    if csv.iter().all(u8::is_ascii_whitespace) {
        again
            .errors
            .add("file", "Choose a CSV file, or paste the list into the box.");
        return render(StatusCode::UNPROCESSABLE_ENTITY, again);
    }
    let parsed = match parse_csv(csv.as_slice()) {
        Ok(p) => p,
        Err(e) => {
            again.errors.add(field, e);
            return render(StatusCode::UNPROCESSABLE_ENTITY, again);
        }
    };
    if !parsed.errors.is_empty() {
        again.errors.add(
            field,
            format!(
                "{} rows have problems, listed below; nothing was imported. Correct them and import the whole list again.",
                parsed.errors.len()
            ),
        );
        again.rows = parsed.errors;
        return render(StatusCode::UNPROCESSABLE_ENTITY, again);
    }
    if parsed.members.is_empty() {
        again
            .errors
            .add(field, "The list has a header but no members.");
        return render(StatusCode::UNPROCESSABLE_ENTITY, again);
    }
    let n = parsed.members.len();
    match docket
        .import_members(
            parsed.members,
            &source,
            &viewer.principal.person,
            Timestamp::now(),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/members/import?imported={n}")).into_response(),
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}
