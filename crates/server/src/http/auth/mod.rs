//! Who is asking: a signed-in browser session (cookie) or an API token (bearer), turned into
//! the `Principal` the policy gate judges. Sessions live in the store; the cookie holds a
//! random id whose SHA-256 is all the store keeps.
//!
//! Cookies are HttpOnly and SameSite=Strict, and Secure when the request came over TLS (to
//! us or to a proxy that says so). Requests that change something with a session cookie
//! must carry the session's CSRF token: a form field for pages, `X-CSRF-Token` for the API.

use crate::accounts::token::session_id_hash;
use crate::accounts::{Accounts, LoginError};
use crate::http::api::error::ApiError;
use crate::service::Docket;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use docket_domain::account::{Scope, SessionRecord, SessionUpdate};
use docket_domain::role::Principal;
use jiff::{SignedDuration, Timestamp};

pub mod api;
pub mod limit;
pub mod login;

pub const SESSION_COOKIE: &str = "docket_session";
/// Before sign-in there is no session to bind a CSRF token to, so the sign-in forms use a
/// double-submit cookie instead.
pub const PRE_SESSION_COOKIE: &str = "docket_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends after this long without a request.
pub const IDLE: SignedDuration = SignedDuration::from_hours(8);

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session(SessionRecord),
    Token(Vec<Scope>),
}

/// The signed-in caller of a request. Extracting it refuses, as a problem document, a
/// request with no valid credentials, a staff session without its second factor, a
/// cookie-authenticated change without the CSRF token, and a token without the scope.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal, pub Via);

impl Caller {
    /// Refuses a read-only token.
    pub fn may_write(&self) -> Result<(), ApiError> {
        match &self.1 {
            Via::Token(scopes) if !scopes.contains(&Scope::Write) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "Read-only token",
                "This API token was issued with the read scope only; changes need a token with the write scope.",
            )),
            _ => Ok(()),
        }
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request reached us (or the proxy in front of us) over TLS.
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A Set-Cookie value: HttpOnly and SameSite=Strict always, Secure over TLS. An empty
/// value with max_age 0 removes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    crate::accounts::token::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// The live session a request's cookie names, if any; touches its expiry.
pub async fn current_session(
    docket: &Docket,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<Option<SessionRecord>, ApiError> {
    let Some(raw) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = session_id_hash(raw);
    let Some(session) = docket.store.session(&hash, now).await? else {
        return Ok(None);
    };
    // Sliding expiry, written at most once a minute per session to spare the store.
    if now.duration_since(session.last_seen) > SignedDuration::from_secs(60) {
        docket
            .store
            .update_session(
                &hash,
                SessionUpdate {
                    second_factor_done: session.second_factor_done,
                    last_seen: now,
                    expires_at: now + IDLE,
                },
            )
            .await?;
    }
    Ok(Some(session))
}

/// The principal a session acts as; None if its account is gone or disabled.
pub async fn session_principal(
    docket: &Docket,
    session: &SessionRecord,
) -> Result<Option<Principal>, ApiError> {
    Ok(session_identity(docket, session).await?.map(|(p, _)| p))
}

/// The principal a session acts as and the name to greet it by, from one read of its
/// account; None if the account is gone or disabled.
pub async fn session_identity(
    docket: &Docket,
    session: &SessionRecord,
) -> Result<Option<(Principal, String)>, ApiError> {
    if let Some(case) = &session.receipt_for {
        return Ok(Some((
            docket_domain::account::receipt_principal(case),
            String::from("Complainant (receipt)"),
        )));
    }
    let Some(username) = &session.username else {
        return Ok(None);
    };
    Ok(docket
        .store
        .account(username)
        .await?
        .filter(|a| !a.disabled)
        .map(|a| (a.principal(), a.display_name)))
}

/// How often a server deletes sessions that have expired.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes expired sessions now and then every hour. An expired session is already refused
/// (the store reads only live ones); this keeps the table from growing with every sign-in.
/// Several servers sweeping the same store is harmless: the delete is idempotent.
pub fn spawn_session_sweeper(docket: Docket) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            match docket.store.purge_expired_sessions(Timestamp::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
                Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
            }
        }
    })
}

fn is_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<Docket> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, docket: &Docket) -> Result<Self, ApiError> {
        let now = Timestamp::now();
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let value = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::unauthenticated(
                        "Send an API token as 'Authorization: Bearer docket_…'.",
                    )
                })?;
            let (account, record) = match Accounts::new(docket.clone())
                .authenticate_token(value.trim())
                .await
            {
                Ok(found) => found,
                Err(LoginError::Store(e)) => return Err(e.into()),
                Err(e) => return Err(ApiError::unauthenticated(format!("Not signed in: {e}."))),
            };
            if !record.scopes.contains(&Scope::Read) && !is_change(&parts.method) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "Write-only token",
                    "This API token was issued without the read scope.",
                ));
            }
            return Ok(Caller(account.principal(), Via::Token(record.scopes)));
        }
        let session = current_session(docket, &parts.headers, now)
            .await?
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "Sign in at /login (or send an API token) to use the API.",
                )
            })?;
        let principal = session_principal(docket, &session)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("This account is disabled."))?;
        if principal.is_staff() && !session.second_factor_done {
            return Err(ApiError::unauthenticated(
                "Staff accounts need their second factor: finish signing in at /login (or enrol at /account/second-factor).",
            ));
        }
        if is_change(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, &session.csrf_token) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "Missing or wrong CSRF token",
                    "Changes made with a session cookie must send the session's CSRF token in the X-CSRF-Token header.",
                ));
            }
        }
        Ok(Caller(principal, Via::Session(session)))
    }
}
