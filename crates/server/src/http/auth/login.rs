//! Signing in and out with the HTML forms, which work without JavaScript (their JSON twins
//! under `/api/v1/session` are in `api`). Staff give a second factor; staff without one
//! enrol before they can do anything else. Anonymous complainants sign in to their one case with the receipt
//! code and passphrase they were given at intake.

use super::limit::Throttle;
use super::{
    IDLE, PRE_SESSION_COOKIE, SESSION_COOKIE, current_session, over_tls, same_secret, set_cookie,
};
use crate::accounts::token::{new_csrf_token, new_session_id};
use crate::accounts::{self, AccountError, Accounts, LoginError};
use crate::http::api::error::ApiError;
use crate::service::Docket;
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use docket_domain::account::{Account, SessionRecord, SessionUpdate, Username};
use docket_domain::ids::CaseId;
use jiff::Timestamp;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    organisation: String,
    csrf: String,
    username: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage {
    organisation: String,
    csrf: String,
    receipt: String,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    csrf: String,
    secret: String,
    qr_svg: String,
    recovery_codes: Vec<String>,
    problem: Option<String>,
}

fn render(status: StatusCode, page: impl Template, cookies: Vec<String>) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            for c in cookies {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            // Pages with tokens in them are never cached.
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => crate::http::internal(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The pre-session CSRF token: the cookie's, or a new one (and the cookie to set).
pub(crate) fn pre_session_token(headers: &HeaderMap) -> (String, Vec<String>) {
    match super::cookie(headers, PRE_SESSION_COOKIE) {
        Some(t) if t.len() >= 32 => (t.to_string(), vec![]),
        _ => {
            let t = new_csrf_token();
            let c = set_cookie(PRE_SESSION_COOKIE, &t, 3600, over_tls(headers));
            (t, vec![c])
        }
    }
}

pub(crate) fn pre_session_ok(headers: &HeaderMap, sent: &str) -> bool {
    super::cookie(headers, PRE_SESSION_COOKIE)
        .is_some_and(|c| !sent.is_empty() && same_secret(c, sent))
}

/// What every sign-in form passes before its credentials are looked at: its CSRF token, then
/// the rate limit for the sender's address.
fn form_gate(
    headers: &HeaderMap,
    sent: &str,
    throttle: &Throttle,
    peer: SocketAddr,
) -> Result<(), (StatusCode, String)> {
    if !pre_session_ok(headers, sent) {
        return Err((StatusCode::FORBIDDEN, CSRF_PROBLEM.into()));
    }
    throttle
        .check(peer.ip(), Instant::now())
        .map_err(|wait| (StatusCode::TOO_MANY_REQUESTS, too_many(wait)))
}

pub(crate) const CSRF_PROBLEM: &str = "This form had expired or did not come from Docket (its security token was missing or wrong). It has been shown again: please submit it once more.";

pub async fn sign_in_form(State(docket): State<Docket>, headers: HeaderMap) -> Response {
    let (csrf, cookies) = pre_session_token(&headers);
    render(
        StatusCode::OK,
        SignInPage {
            organisation: docket.rules.organisation.clone(),
            csrf,
            username: String::new(),
            problem: None,
        },
        cookies,
    )
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// The outcome of checking credentials, shared by the form and the API.
pub(super) enum Checked {
    /// Signed in; `done` is false for staff who still have to enrol a second factor.
    In {
        account: Box<Account>,
        done: bool,
    },
    Refused(StatusCode, String),
}

pub(super) async fn check_credentials(
    docket: &Docket,
    username: &str,
    password: &str,
    code: &str,
    now: Timestamp,
) -> Result<Checked, ApiError> {
    let accounts = Accounts::new(docket.clone());
    let refused = |e: LoginError| match e {
        LoginError::Store(e) => Err(ApiError::from(e)),
        other => Ok(Checked::Refused(StatusCode::UNAUTHORIZED, sentence(&other))),
    };
    let account = match accounts
        .authenticate_password(username, password, now)
        .await
    {
        Ok(a) => a,
        Err(e) => return refused(e),
    };
    if !account.needs_second_factor() {
        return Ok(Checked::In {
            account: Box::new(account),
            done: true,
        });
    }
    if !account.second_factor_enrolled() {
        return Ok(Checked::In {
            account: Box::new(account),
            done: false,
        });
    }
    if code.trim().is_empty() {
        return Ok(Checked::Refused(
            StatusCode::UNAUTHORIZED,
            "Staff accounts need the code from their authenticator app (or a recovery code) as well as the password.".into(),
        ));
    }
    match accounts
        .verify_second_factor(&account.username, code.trim(), now)
        .await
    {
        Ok(account) => Ok(Checked::In {
            account: Box::new(account),
            done: true,
        }),
        Err(e) => refused(e),
    }
}

/// An error message as the first sentence of a page: capitalised, with a full stop.
fn sentence(e: &impl std::fmt::Display) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => s,
    }
}

/// Starts a session; returns its cookie value and record.
pub(super) async fn start_session(
    docket: &Docket,
    username: Option<Username>,
    receipt_for: Option<CaseId>,
    done: bool,
    now: Timestamp,
) -> Result<(String, SessionRecord), ApiError> {
    let (id, id_hash) = new_session_id();
    let record = SessionRecord {
        id_hash,
        username,
        receipt_for,
        csrf_token: new_csrf_token(),
        second_factor_done: done,
        created_at: now,
        expires_at: now + IDLE,
        last_seen: now,
    };
    docket.store.put_session(record.clone()).await?;
    Ok((id, record))
}

pub(super) fn too_many(wait: std::time::Duration) -> String {
    format!(
        "Too many sign-in attempts from your address: try again in {} seconds.",
        wait.as_secs().max(1)
    )
}

pub async fn sign_in(
    State(docket): State<Docket>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let page = |status, problem: String, csrf: String, cookies| {
        render(
            status,
            SignInPage {
                organisation: docket.rules.organisation.clone(),
                csrf,
                username: form.username.clone(),
                problem: Some(problem),
            },
            cookies,
        )
    };
    let (csrf, cookies) = pre_session_token(&headers);
    if let Err((status, why)) = form_gate(&headers, &form.csrf, &throttle, peer) {
        return page(status, why, csrf, cookies);
    }
    let now = Timestamp::now();
    let checked =
        match check_credentials(&docket, &form.username, &form.password, &form.code, now).await {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
    match checked {
        Checked::Refused(status, why) => page(status, why, csrf, cookies),
        Checked::In { account, done } => {
            match start_session(&docket, Some(account.username), None, done, now).await {
                Ok((id, _)) => {
                    let to = if done {
                        "/home"
                    } else {
                        "/account/second-factor"
                    };
                    signed_in_redirect(&headers, &id, to)
                }
                Err(e) => e.into_response(),
            }
        }
    }
}

fn signed_in_redirect(headers: &HeaderMap, id: &str, to: &str) -> Response {
    let secure = over_tls(headers);
    let mut res = Redirect::to(to).into_response();
    for c in [
        set_cookie(SESSION_COOKIE, id, IDLE.as_secs(), secure),
        set_cookie(PRE_SESSION_COOKIE, "", 0, secure),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(docket): State<Docket>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let now = Timestamp::now();
    match current_session(&docket, &headers, now).await {
        Ok(Some(s)) if same_secret(&form.csrf, &s.csrf_token) => {
            if let Err(e) = docket.store.delete_session(&s.id_hash).await {
                return ApiError::from(e).into_response();
            }
        }
        Ok(Some(_)) => {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "Missing or wrong CSRF token",
                CSRF_PROBLEM,
            )
            .into_response();
        }
        Ok(None) => {}
        Err(e) => return e.into_response(),
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, over_tls(&headers))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A signed-in session that still lacks its second factor, or a problem response.
async fn enrolling_session(
    docket: &Docket,
    headers: &HeaderMap,
) -> Result<SessionRecord, Response> {
    match current_session(docket, headers, Timestamp::now()).await {
        Ok(Some(s)) if s.username.is_some() => Ok(s),
        Ok(_) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(e.into_response()),
    }
}

pub async fn second_factor_form(State(docket): State<Docket>, headers: HeaderMap) -> Response {
    let session = match enrolling_session(&docket, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let secret = accounts::totp::new_secret();
    second_factor_page(&docket, &session, secret, None).await
}

async fn second_factor_page(
    docket: &Docket,
    session: &SessionRecord,
    secret: String,
    problem: Option<String>,
) -> Response {
    let name = session
        .username
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let qr_svg = accounts::totp::otpauth_url(&secret, &docket.rules.organisation, &name)
        .and_then(|url| accounts::totp::qr_svg(&url))
        .unwrap_or_default();
    render(
        if problem.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        SecondFactorPage {
            csrf: session.csrf_token.clone(),
            secret,
            qr_svg,
            recovery_codes: vec![],
            problem,
        },
        vec![],
    )
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

pub async fn second_factor(
    State(docket): State<Docket>,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Response {
    let session = match enrolling_session(&docket, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !same_secret(&form.csrf, &session.csrf_token) {
        return second_factor_page(&docket, &session, form.secret, Some(CSRF_PROBLEM.into())).await;
    }
    let Some(username) = session.username.clone() else {
        return Redirect::to("/login").into_response();
    };
    let now = Timestamp::now();
    let enrolled = Accounts::new(docket.clone())
        .enrol_second_factor(&username, &form.secret, form.code.trim(), now)
        .await;
    match enrolled {
        Ok(codes) => {
            let update = SessionUpdate {
                second_factor_done: true,
                last_seen: now,
                expires_at: now + IDLE,
            };
            if let Err(e) = docket.store.update_session(&session.id_hash, update).await {
                return ApiError::from(e).into_response();
            }
            render(
                StatusCode::OK,
                SecondFactorPage {
                    csrf: session.csrf_token.clone(),
                    secret: String::new(),
                    qr_svg: String::new(),
                    recovery_codes: codes,
                    problem: None,
                },
                vec![],
            )
        }
        Err(AccountError::Store(e)) => ApiError::from(e).into_response(),
        Err(e) => second_factor_page(&docket, &session, form.secret, Some(sentence(&e))).await,
    }
}

pub async fn follow_up_form(State(docket): State<Docket>, headers: HeaderMap) -> Response {
    let (csrf, cookies) = pre_session_token(&headers);
    render(
        StatusCode::OK,
        FollowUpPage {
            organisation: docket.rules.organisation.clone(),
            csrf,
            receipt: String::new(),
            problem: None,
        },
        cookies,
    )
}

#[derive(Debug, Deserialize)]
pub struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    passphrase: String,
}

/// Checks a receipt code and passphrase; the case they open, or why not.
pub(super) async fn check_receipt(
    docket: &Docket,
    receipt: &str,
    passphrase: &str,
    now: Timestamp,
) -> Result<Result<CaseId, String>, ApiError> {
    match Accounts::new(docket.clone())
        .authenticate_receipt(receipt, passphrase, now)
        .await
    {
        Ok(r) => Ok(Ok(r.case)),
        Err(LoginError::Store(e)) => Err(e.into()),
        Err(e) => Ok(Err(sentence(&e))),
    }
}

pub async fn follow_up(
    State(docket): State<Docket>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<FollowUpForm>,
) -> Response {
    let page = |status, problem: String, csrf: String, cookies| {
        render(
            status,
            FollowUpPage {
                organisation: docket.rules.organisation.clone(),
                csrf,
                receipt: form.receipt.clone(),
                problem: Some(problem),
            },
            cookies,
        )
    };
    let (csrf, cookies) = pre_session_token(&headers);
    if let Err((status, why)) = form_gate(&headers, &form.csrf, &throttle, peer) {
        return page(status, why, csrf, cookies);
    }
    let now = Timestamp::now();
    match check_receipt(&docket, &form.receipt, &form.passphrase, now).await {
        Err(e) => e.into_response(),
        Ok(Err(why)) => page(StatusCode::UNAUTHORIZED, why, csrf, cookies),
        Ok(Ok(case)) => match start_session(&docket, None, Some(case.clone()), true, now).await {
            Ok((id, _)) => signed_in_redirect(&headers, &id, &format!("/portal/complaint/{case}")),
            Err(e) => e.into_response(),
        },
    }
}
