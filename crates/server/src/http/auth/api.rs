//! Signing in and out over the JSON API (`/api/v1/session`): the same checks as the forms
//! in `login`, answered as JSON and problem documents.

use super::limit::Throttle;
use super::login::{Checked, check_credentials, check_receipt, start_session, too_many};
use super::{
    CSRF_HEADER, IDLE, SESSION_COOKIE, current_session, over_tls, same_secret, set_cookie,
};
use crate::http::api::error::{ApiError, Problem};
use crate::http::api::extract::ApiJson;
use crate::service::Docket;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use docket_domain::account::SessionRecord;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use utoipa::ToSchema;

/// Counts a sign-in attempt from this address; too many is a 429.
fn throttled(throttle: &Throttle, peer: SocketAddr) -> Result<(), ApiError> {
    throttle
        .check(peer.ip(), Instant::now())
        .map_err(|wait| ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Slow down", too_many(wait)))
}

/// Credentials for the API's sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
    /// The authenticator app's code or a recovery code; staff only.
    #[serde(default)]
    pub code: Option<String>,
}

/// A receipt code and passphrase, for an anonymous complainant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptSignIn {
    pub receipt: String,
    pub passphrase: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStarted {
    /// Send this as `X-CSRF-Token` with every change made under this session.
    pub csrf_token: String,
    /// False for staff who must still enrol a second factor (at /account/second-factor).
    pub second_factor_done: bool,
}

fn session_response(headers: &HeaderMap, id: &str, record: &SessionRecord) -> Response {
    let mut res = Json(SessionStarted {
        csrf_token: record.csrf_token.clone(),
        second_factor_done: record.second_factor_done,
    })
    .into_response();
    let c = set_cookie(SESSION_COOKIE, id, IDLE.as_secs(), over_tls(headers));
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Signs in with a password (and a second factor for staff); sets the session cookie.
#[utoipa::path(post, path = "/session", tag = "organisation", request_body = SignIn,
    security(()),
    responses((status = 200, body = SessionStarted), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn api_sign_in(
    State(docket): State<Docket>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    throttled(&throttle, peer)?;
    let now = Timestamp::now();
    let code = body.code.unwrap_or_default();
    match check_credentials(&docket, &body.username, &body.password, &code, now).await? {
        Checked::Refused(status, why) => Err(ApiError::new(status, "Not signed in", why)),
        Checked::In { account, done } => {
            let (id, record) =
                start_session(&docket, Some(account.username), None, done, now).await?;
            Ok(session_response(&headers, &id, &record))
        }
    }
}

/// Signs an anonymous complainant in to their case with the receipt code and passphrase.
#[utoipa::path(post, path = "/session/receipt", tag = "portal", request_body = ReceiptSignIn,
    security(()),
    responses((status = 200, body = SessionStarted), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn api_receipt_sign_in(
    State(docket): State<Docket>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReceiptSignIn>,
) -> Result<Response, ApiError> {
    throttled(&throttle, peer)?;
    let now = Timestamp::now();
    match check_receipt(&docket, &body.receipt, &body.passphrase, now).await? {
        Err(why) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Not signed in",
            why,
        )),
        Ok(case) => {
            let (id, record) = start_session(&docket, None, Some(case), true, now).await?;
            Ok(session_response(&headers, &id, &record))
        }
    }
}

/// Signs out: ends the session the cookie names.
#[utoipa::path(delete, path = "/session", tag = "organisation",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn api_sign_out(
    State(docket): State<Docket>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(s) = current_session(&docket, &headers, Timestamp::now()).await? {
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !same_secret(sent, &s.csrf_token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Missing or wrong CSRF token",
                "Send the session's CSRF token in the X-CSRF-Token header to sign out.",
            ));
        }
        docket.store.delete_session(&s.id_hash).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, over_tls(&headers))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
