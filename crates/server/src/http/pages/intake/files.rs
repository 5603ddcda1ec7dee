//! Evidence sent with a complaint at public intake: read from the form as it streams in,
//! checked file by file (size, then type by content), and kept in memory against the form's
//! key until the complaint is received. A form re-shown for a problem in another field lists
//! the files it already holds, so nobody has to find and choose them again; nothing is
//! stored until the complaint itself is, in the same transaction.

use super::ComplaintForm;
use crate::evidence::{IntakeFile, human_size};
use crate::service::Docket;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most files one complaint may bring.
pub const MAX_FILES: usize = 5;

/// How long files wait for their complaint, and how much all waiting files may hold: past
/// that the oldest forms' files are let go (their forms then ask for them again).
const WAIT_FOR: Duration = Duration::from_secs(30 * 60);
const WAITING_BYTES: usize = 256 * 1024 * 1024;

/// The whole body a complaint form may send: every file at the limit, and the fields.
pub fn body_limit(evidence_limit: usize) -> usize {
    MAX_FILES * evidence_limit + crate::http::pages::evidence::FRAMING_SLACK
}

/// Files waiting for their complaint, by form key.
#[derive(Debug, Default)]
pub struct Waiting {
    by_key: Mutex<HashMap<String, (Instant, Vec<IntakeFile>)>>,
}

impl Waiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Vec<IntakeFile>)>> {
        match self.by_key.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The files a form key holds, taken out: they go back with `keep` if the complaint is
    /// not received this time.
    pub fn take(&self, key: &str) -> Vec<IntakeFile> {
        self.lock().remove(key).map(|(_, f)| f).unwrap_or_default()
    }

    pub fn keep(&self, key: &str, files: Vec<IntakeFile>, now: Instant) {
        if files.is_empty() {
            return;
        }
        let mut by_key = self.lock();
        by_key.retain(|_, (at, _)| now.duration_since(*at) < WAIT_FOR);
        by_key.insert(key.to_string(), (now, files));
        let held = |m: &HashMap<String, (Instant, Vec<IntakeFile>)>| -> usize {
            m.values()
                .flat_map(|(_, f)| f.iter().map(|f| f.bytes.len()))
                .sum()
        };
        while held(&by_key) > WAITING_BYTES && by_key.len() > 1 {
            let oldest = by_key
                .iter()
                .filter(|(k, _)| k.as_str() != key)
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => by_key.remove(&k),
                None => break,
            };
        }
    }
}

/// A file as the re-shown form lists it.
#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub size: String,
    pub sha256: String,
}

impl Attached {
    pub fn of(files: &[IntakeFile]) -> Vec<Attached> {
        files
            .iter()
            .map(|f| Attached {
                name: f.filename.clone(),
                size: human_size(f.bytes.len() as u64),
                sha256: f.sha256.clone(),
            })
            .collect()
    }
}

/// What one submission of the form carried.
#[derive(Debug, Default)]
pub struct Submission {
    pub form: ComplaintForm,
    /// Files that passed their checks.
    pub files: Vec<IntakeFile>,
    /// Why each other file was not attached, as a person reads it.
    pub problems: Vec<String>,
    /// The SHA-256 of files the form held that the complainant chose to remove.
    pub removed: Vec<String>,
}

/// Reads the form, sent as a file upload by browsers or as plain fields by other clients.
/// Err is an answer for a body that cannot be read as a form at all.
pub async fn read(docket: &Docket, req: Request) -> Result<Submission, Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return match axum::Form::<ComplaintForm>::from_request(req, docket).await {
            Ok(axum::Form(form)) => Ok(Submission {
                form,
                ..Submission::default()
            }),
            Err(e) => Err(unreadable(docket, e.status())),
        };
    }
    let mut form = match Multipart::from_request(req, docket).await {
        Ok(m) => m,
        Err(e) => return Err(unreadable(docket, e.status())),
    };
    let mut fields = serde_json::Map::new();
    let mut out = Submission::default();
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                // The fields come before the files in the form, so what was typed is here
                // even when the files ran over: the form comes back with it.
                out.problems.push(cut_short(docket, e.status()));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "evidence" => {
                let filename = field.file_name().unwrap_or_default().to_string();
                let mut bytes = Vec::new();
                let mut over = false;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if over => drop(chunk),
                        Ok(Some(chunk)) => {
                            bytes.extend_from_slice(&chunk);
                            if bytes.len() > docket.evidence_limit {
                                over = true;
                                bytes = Vec::new();
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            out.problems.push(cut_short(docket, e.status()));
                            break;
                        }
                    }
                }
                if over {
                    out.problems.push(format!(
                        "{}: the file is over the limit of {} for one file, so it was not attached.",
                        crate::evidence::sanitise_filename(&filename),
                        human_size(docket.evidence_limit as u64)
                    ));
                } else if !(filename.is_empty() && bytes.is_empty()) {
                    match docket.intake_file(&filename, bytes) {
                        Ok(file) => out.files.push(file),
                        Err(e) => out.problems.push(format!(
                            "{}: {e}, so it was not attached.",
                            crate::evidence::sanitise_filename(&filename)
                        )),
                    }
                }
            }
            "remove" => out.removed.push(field.text().await.unwrap_or_default()),
            _ => {
                let value = field.text().await.unwrap_or_default();
                fields.insert(name, serde_json::Value::String(value));
            }
        }
    }
    // Every field of the form is a string with a default, so this only drops unknown names.
    out.form = serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
    Ok(out)
}

fn cut_short(docket: &Docket, status: StatusCode) -> String {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "The files sent came to more than {} in all, so the last of them was not attached.",
            human_size(body_limit(docket.evidence_limit) as u64)
        )
    } else {
        "The upload was cut short, so the last file was not attached: choose it again.".into()
    }
}

fn unreadable(docket: &Docket, status: StatusCode) -> Response {
    let chrome = crate::http::pages::Chrome::public(docket);
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return crate::http::pages::error_page(
            &chrome,
            status,
            "What was sent is too large",
            &format!(
                "A complaint may bring at most {MAX_FILES} files of at most {} each. Nothing was received: go back, choose fewer or smaller files, and send the complaint again.",
                human_size(docket.evidence_limit as u64)
            ),
        );
    }
    crate::http::pages::error_page(
        &chrome,
        StatusCode::BAD_REQUEST,
        "The form could not be read",
        "Nothing was received. Go back to the complaint form and send it again.",
    )
}

/// The files the complaint will bring: those the form held, less any removed, then the new
/// ones, each file once, at most `MAX_FILES`; a file past that is named in `problems`.
pub fn combine(held: Vec<IntakeFile>, sub: &mut Submission) -> Vec<IntakeFile> {
    let mut files: Vec<IntakeFile> = held
        .into_iter()
        .filter(|f| !sub.removed.contains(&f.sha256))
        .collect();
    for file in std::mem::take(&mut sub.files) {
        if files.iter().any(|f| f.sha256 == file.sha256) {
            continue;
        }
        if files.len() >= MAX_FILES {
            sub.problems.push(format!(
                "{}: a complaint may bring at most {MAX_FILES} files, so it was not attached.",
                file.filename
            ));
            continue;
        }
        files.push(file);
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, body: &[u8]) -> IntakeFile {
        IntakeFile {
            filename: name.into(),
            bytes: body.to_vec(),
            media_type: "text/plain",
            sha256: crate::evidence::sha256_hex(body),
        }
    }

    #[test]
    fn files_combine_once_each_up_to_the_limit_and_removals_go() {
        let held = vec![file("a.txt", b"a"), file("b.txt", b"b")];
        let mut sub = Submission {
            files: (0..6)
                .map(|i| file(&format!("n{i}.txt"), &[b'0' + i]))
                .collect(),
            removed: vec![crate::evidence::sha256_hex(b"b")],
            ..Submission::default()
        };
        sub.files.push(file("again.txt", b"a"));
        let files = combine(held, &mut sub);
        let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(names, ["a.txt", "n0.txt", "n1.txt", "n2.txt", "n3.txt"]);
        assert_eq!(sub.problems.len(), 2, "{:?}", sub.problems);
        assert!(sub.problems[0].starts_with("n4.txt: a complaint may bring at most 5 files"));
    }

    #[test]
    fn waiting_files_are_taken_once_and_held_within_their_bytes() {
        let waiting = Waiting::default();
        let now = Instant::now();
        waiting.keep("k", vec![file("a.txt", b"a")], now);
        assert_eq!(waiting.take("k").len(), 1);
        assert!(waiting.take("k").is_empty());
        let big = vec![0u8; WAITING_BYTES / 2 + 1];
        waiting.keep("old", vec![file("1", &big)], now);
        waiting.keep("new", vec![file("2", &big)], now + Duration::from_secs(1));
        assert!(waiting.take("old").is_empty(), "the oldest is let go");
        assert_eq!(waiting.take("new").len(), 1);
        waiting.keep("stale", vec![file("s", b"s")], now);
        waiting.keep("fresh", vec![file("f", b"f")], now + WAIT_FOR);
        assert!(waiting.take("stale").is_empty(), "expired");
    }
}
