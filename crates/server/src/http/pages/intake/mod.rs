//! Public intake: anyone may complain, without an account. The form is the one place a
//! stranger writes into Docket, so it is guarded like the sign-in forms (a pre-session CSRF
//! cookie, a rate limit per address) and the complaint is received by Docket itself, not
//! through the policy: there is nobody signed in to ask about.
//!
//! A double submit must not open two cases. The form carries a random key; the case's
//! reference is derived from it, so a second submission of the same form names the same case,
//! and the confirmation shown the first time is kept for a while and shown again. That matters
//! most for anonymous complainants: their receipt is shown once, and a browser that submitted
//! twice shows the answer to the second request.

use super::{Chrome, FieldErrors, api_error_page, render};
use crate::access::system_actor;
use crate::accounts::token::{new_csrf_token, sha256_hex};
use crate::accounts::{AccountError, Accounts};
use crate::evidence::IntakeFile;
use crate::http::api::error::ApiError;
use crate::http::auth::limit::Throttle;
use crate::http::auth::login::{CSRF_PROBLEM, pre_session_ok, pre_session_token};
use crate::service::{Docket, ServiceError};
use askama::Template;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use check::check;
use docket_domain::case::day_of;
use docket_domain::ids::CaseId;
use docket_domain::{Command, Rule};
use files::{Attached, MAX_FILES, Waiting};
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a confirmation is kept for a repeated submission, and how many are kept.
const KEEP_FOR: Duration = Duration::from_secs(30 * 60);
const KEEP_AT_MOST: usize = 2_000;
/// A summary is a line, not a narrative.
const SUMMARY_MAX: usize = 200;

/// What intake keeps between requests, one per server.
#[derive(Debug)]
pub struct Intake {
    throttle: Throttle,
    /// Form key → the submission it started. Each entry's async lock is held while its
    /// complaint is received, so a second submission waits for the first and shows its answer.
    kept: Mutex<HashMap<String, (Instant, Slot)>>,
    /// Files sent with a form that came back for a problem, until it is sent again.
    files: Waiting,
}

/// One form key's submission: empty until its complaint is received.
type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// A confirmation as first shown, and whose browser may see it again.
#[derive(Debug, Clone)]
struct Kept {
    /// The pre-session token's hash: a repeated key from another browser gets no receipt.
    token_hash: String,
    page: Done,
}

impl Intake {
    fn new() -> Intake {
        Intake {
            // Complaints are rarer than sign-ins; offices behind one address still get room.
            throttle: Throttle::new(20, Duration::from_secs(15 * 60)),
            kept: Mutex::new(HashMap::new()),
            files: Waiting::default(),
        }
    }

    fn slot(&self, key: &str, now: Instant) -> Slot {
        let mut kept = match self.kept.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        kept.retain(|_, (at, _)| now.duration_since(*at) < KEEP_FOR);
        if kept.len() >= KEEP_AT_MOST
            && let Some(oldest) = kept
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
        {
            kept.remove(&oldest);
        }
        kept.entry(key.to_string())
            .or_insert_with(|| (now, Arc::default()))
            .1
            .clone()
    }
}

/// `evidence_limit` is the server's limit on one evidence file: the form may bring
/// `MAX_FILES` of them.
pub fn routes(evidence_limit: usize) -> Router<Docket> {
    Router::new()
        .route("/complain", get(form).post(submit))
        .layer(axum::extract::DefaultBodyLimit::max(files::body_limit(
            evidence_limit,
        )))
        .layer(Extension(Arc::new(Intake::new())))
}

mod check;
mod files;

/// The form's values, exactly as typed, so a form with problems comes back as it was sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplaintForm {
    csrf: String,
    key: String,
    who: String,
    member_number: String,
    member_name: String,
    third_name: String,
    third_organisation: String,
    third_email: String,
    respondent_number: String,
    respondent_name: String,
    summary: String,
    narrative: String,
    conduct_date: String,
    category: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct FormPage {
    chrome: Chrome,
    f: ComplaintForm,
    errors: FieldErrors,
    /// A problem with the form as a whole (expired token, too many attempts).
    problem: Option<String>,
    categories: Vec<(String, String)>,
    today: String,
    /// Files the form holds from an earlier sending.
    files: Vec<Attached>,
    /// The evidence hint: how many files, how large, what kinds.
    evidence_hint: String,
}

impl FormPage {
    fn problem_of(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// A radio group's `aria-describedby`: a fieldset takes no `aria-invalid`.
    fn describedby(&self, field: &str) -> String {
        match self.errors.get(field) {
            Some(_) => format!(" aria-describedby=\"{field}-problem\""),
            None => String::new(),
        }
    }

    /// The `aria-describedby` and `aria-invalid` of a field: its hint, and its problem if any.
    fn aria(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{field}-hint"));
        }
        if self.errors.get(field).is_some() {
            ids.push(format!("{field}-problem"));
        }
        let mut out = String::new();
        if !ids.is_empty() {
            out.push_str(&format!(" aria-describedby=\"{}\"", ids.join(" ")));
        }
        if self.errors.get(field).is_some() {
            out.push_str(" aria-invalid=\"true\"");
        }
        out
    }
}

/// Who complained, as the confirmation treats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Member,
    ThirdParty,
    Anonymous,
}

#[derive(Debug, Clone, Template)]
#[template(path = "intake_done.html")]
struct Done {
    chrome: Chrome,
    reference: String,
    kind: Kind,
    /// The receipt code and passphrase, for an anonymous complainant, the first time.
    receipt: Option<(String, String)>,
    /// Shown again after a repeated submission whose confirmation was not kept.
    repeated: bool,
    /// How many evidence files came with the complaint.
    evidence: usize,
}

fn with_cookies(mut res: Response, cookies: Vec<String>) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn categories(docket: &Docket) -> Vec<(String, String)> {
    docket
        .rules
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect()
}

fn form_page(
    docket: &Docket,
    f: ComplaintForm,
    errors: FieldErrors,
    problem: Option<String>,
    files: &[IntakeFile],
) -> FormPage {
    FormPage {
        chrome: Chrome::public(docket),
        f,
        errors,
        problem,
        categories: categories(docket),
        today: day_of(Timestamp::now()).to_string(),
        files: Attached::of(files),
        evidence_hint: format!(
            "Optional. Up to {MAX_FILES} files of at most {} each: {}. Staff see them with the complaint; the person it is about sees only what staff later decide to disclose.",
            crate::evidence::human_size(docket.evidence_limit as u64),
            crate::evidence::ACCEPTED
        ),
    }
}

pub async fn form(State(docket): State<Docket>, headers: HeaderMap) -> Response {
    let (csrf, cookies) = pre_session_token(&headers);
    let f = ComplaintForm {
        csrf,
        key: new_csrf_token(),
        ..ComplaintForm::default()
    };
    let page = form_page(&docket, f, FieldErrors::default(), None, &[]);
    with_cookies(render(StatusCode::OK, page), cookies)
}

/// The reference a form key stands for: the same key, the same case.
fn reference_for(key: &str) -> CaseId {
    let digest = sha256_hex(format!("docket intake {key}").as_bytes());
    let bits = u64::from_str_radix(&digest[..16], 16).unwrap_or(0);
    CaseId::from_random(bits)
}

/// A form key as `new_csrf_token` makes them: 32 base32 characters.
fn key_ok(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub async fn submit(
    State(docket): State<Docket>,
    Extension(intake): Extension<Arc<Intake>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let mut sub = match files::read(&docket, req).await {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    let (csrf, cookies) = pre_session_token(&headers);
    let chose_files = !sub.files.is_empty();
    let refuse = |status, why: String, mut f: ComplaintForm| {
        f.csrf = csrf.clone();
        let why = if chose_files {
            format!("{why} Choose your evidence files again before sending.")
        } else {
            why
        };
        let held = intake.files.take(&f.key);
        let page = form_page(&docket, f.clone(), FieldErrors::default(), Some(why), &held);
        intake.files.keep(&f.key, held, Instant::now());
        with_cookies(render(status, page), cookies.clone())
    };
    if !pre_session_ok(&headers, &sub.form.csrf) {
        return refuse(StatusCode::FORBIDDEN, CSRF_PROBLEM.into(), sub.form);
    }
    if let Err(wait) = intake.throttle.check(peer.ip(), Instant::now()) {
        let why = format!(
            "Too many complaints have been sent from your address recently: please try again in {} minutes. Nothing you typed has been lost.",
            wait.as_secs().div_ceil(60).max(1)
        );
        return refuse(StatusCode::TOO_MANY_REQUESTS, why, sub.form);
    }
    if !key_ok(&sub.form.key) {
        // A form from before keys, or tampered with: a new key makes it submittable once.
        sub.form.key = new_csrf_token();
    }
    let files = files::combine(intake.files.take(&sub.form.key), &mut sub);
    let f = sub.form;
    // The form comes back, holding its files, with each problem beside its field.
    let again = |mut f: ComplaintForm, mut errors: FieldErrors, files: Vec<IntakeFile>| {
        f.csrf = csrf.clone();
        if !sub.problems.is_empty() {
            errors.add("evidence", sub.problems.join(" "));
        }
        let page = form_page(&docket, f.clone(), errors, None, &files);
        intake.files.keep(&f.key, files, Instant::now());
        with_cookies(
            render(StatusCode::UNPROCESSABLE_ENTITY, page),
            cookies.clone(),
        )
    };
    let now = Timestamp::now();
    let (cmd, kind) = match check(&docket, &f, &reference_for(&f.key), now).await {
        Ok(Ok(parsed)) if sub.problems.is_empty() => parsed,
        Ok(Ok(_)) => return again(f, FieldErrors::default(), files),
        Ok(Err(errors)) => return again(f, errors, files),
        Err(e) => return api_error_page(&Chrome::public(&docket), e),
    };
    let token_hash = sha256_hex(f.csrf.as_bytes());
    let slot = intake.slot(&f.key, Instant::now());
    let mut kept = slot.lock().await;
    if let Some(k) = kept.as_ref() {
        let page = if k.token_hash == token_hash {
            k.page.clone()
        } else {
            repeated(&docket, &k.page.reference, k.page.kind)
        };
        return render(StatusCode::OK, page);
    }
    let reference = reference_for(&f.key);
    match receive(&docket, cmd, &files, kind, now).await {
        Ok(page) => {
            *kept = Some(Kept {
                token_hash,
                page: page.clone(),
            });
            render(StatusCode::OK, page)
        }
        Err(Received::Already) => {
            render(StatusCode::OK, repeated(&docket, reference.as_str(), kind))
        }
        Err(Received::Rule(field, why)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, why);
            again(f, errors, files)
        }
        Err(Received::Failed(e)) => api_error_page(&Chrome::public(&docket), e),
    }
}

/// The confirmation for a case this form already opened, when its first answer is not here.
fn repeated(docket: &Docket, reference: &str, kind: Kind) -> Done {
    Done {
        chrome: Chrome::public(docket),
        reference: reference.to_string(),
        kind,
        receipt: None,
        repeated: true,
        evidence: 0,
    }
}

/// Why a complaint was not received.
enum Received {
    /// This form's case exists already (sent twice, to another server or before a restart).
    Already,
    /// The domain refused a field; shown beside it.
    Rule(&'static str, String),
    Failed(ApiError),
}

impl From<ServiceError> for Received {
    fn from(e: ServiceError) -> Received {
        match e {
            ServiceError::Rule(v) if v.rule == Rule::CaseAlreadyExists => Received::Already,
            ServiceError::Store(docket_domain::store::StoreError::Conflict { .. }) => {
                Received::Already
            }
            ServiceError::Rule(v) => match v.rule {
                Rule::ConductDateInFuture => Received::Rule("conduct_date", v.message),
                Rule::UnknownCategory => Received::Rule("category", v.message),
                _ => Received::Failed(ServiceError::Rule(v).into()),
            },
            other => Received::Failed(other.into()),
        }
    }
}

/// Receives the complaint as Docket itself; an anonymous one with its receipt, in the same
/// transaction.
async fn receive(
    docket: &Docket,
    cmd: Command,
    files: &[IntakeFile],
    kind: Kind,
    now: Timestamp,
) -> Result<Done, Received> {
    let Command::ReceiveComplaint { id, .. } = &cmd else {
        return Err(Received::Failed(ApiError::internal(
            "intake built another command",
        )));
    };
    let id = id.clone();
    let receipt = if kind == Kind::Anonymous {
        let issued = Accounts::new(docket.clone())
            .receive_anonymous_complaint(cmd, files, &system_actor(), now)
            .await;
        match issued {
            Ok((_, r)) => Some((r.code.to_string(), r.passphrase)),
            Err(AccountError::Service(e)) => return Err(e.into()),
            Err(AccountError::Store(e)) => return Err(ServiceError::Store(e).into()),
            Err(e) => return Err(Received::Failed(ApiError::internal(e))),
        }
    } else {
        let (_, append) = docket
            .prepare_intake(&cmd, files, &system_actor(), now)
            .await?;
        docket.append(append).await.map_err(ServiceError::from)?;
        None
    };
    Ok(Done {
        chrome: Chrome::public(docket),
        reference: id.to_string(),
        kind,
        receipt,
        repeated: false,
        evidence: files.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_always_names_the_same_case_and_keys_differ() {
        let a = new_csrf_token();
        let b = new_csrf_token();
        assert!(key_ok(&a) && key_ok(&b));
        assert_eq!(reference_for(&a), reference_for(&a));
        assert_ne!(reference_for(&a), reference_for(&b));
        assert!(!key_ok("short") && !key_ok(&"x".repeat(31)));
    }

    #[test]
    fn kept_confirmations_expire_and_are_capped() {
        let intake = Intake::new();
        let start = Instant::now();
        let first = intake.slot("k1", start);
        assert!(Arc::ptr_eq(&first, &intake.slot("k1", start)));
        let later = start + KEEP_FOR + Duration::from_secs(1);
        assert!(!Arc::ptr_eq(&first, &intake.slot("k1", later)));
        for i in 0..KEEP_AT_MOST + 10 {
            intake.slot(&format!("n{i}"), later);
        }
        let n = intake.kept.lock().map(|k| k.len()).unwrap_or(0);
        assert!(n <= KEEP_AT_MOST, "{n}");
    }
}
