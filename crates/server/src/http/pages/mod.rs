//! The web application: server-rendered pages for every role, on top of the same gate the
//! API uses. Every page works without JavaScript; htmx (vendored, same origin) only spares a
//! full reload where it helps. Pages answer errors as pages, not problem documents: a person
//! reads them.
//!
//! Forms that change something carry the session's CSRF token, are re-shown with what was
//! typed and each problem beside its field, and redirect after success so a reload does not
//! submit twice.

use crate::http::api::error::ApiError;
use crate::http::auth::{current_session, same_secret, session_identity};
use crate::service::Docket;
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use docket_domain::account::SessionRecord;
use docket_domain::role::{Principal, Role};
use jiff::Timestamp;
use std::collections::BTreeMap;

pub mod admin;
pub mod admin_account;
pub mod admin_members;
pub mod admin_users;
pub mod bundle;
pub mod case;
pub mod commands;
pub mod evidence;
pub mod home;
pub mod intake;
pub mod notices;
pub mod oversight;
pub mod oversight_log;
pub mod oversight_report;
pub mod portal;
pub mod redact;
pub mod search;
pub mod verify;

/// What the layout around every page needs: who is signed in, where they may go, and the
/// token the sign-out form sends.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub organisation: String,
    /// The signed-in person's name; None on public pages.
    pub who: Option<String>,
    pub csrf: String,
    pub nav: Vec<(&'static str, &'static str)>,
}

impl Chrome {
    pub fn public(docket: &Docket) -> Chrome {
        Chrome {
            organisation: docket.rules.organisation.clone(),
            ..Chrome::default()
        }
    }
}

/// The signed-in person a page is for. Extracting it sends a browser without a session to
/// the sign-in page and a member of staff without their second factor to finish it.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub principal: Principal,
    pub session: SessionRecord,
    pub name: String,
    pub chrome: Chrome,
}

impl Viewer {
    /// Refuses a form whose CSRF token is not this session's.
    // The error is the page the handler answers with; boxing it would only be undone there.
    #[allow(clippy::result_large_err)]
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if !sent.is_empty() && same_secret(sent, &self.session.csrf_token) {
            return Ok(());
        }
        Err(error_page(
            &self.chrome,
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Its security token was missing or wrong, so nothing was changed. Go back, reload the page and submit it again.",
        ))
    }

    pub fn has(&self, role: Role) -> bool {
        self.principal.has(role)
    }

    pub fn is_staff(&self) -> bool {
        self.principal.is_staff()
    }
}

/// Links in the header, by what the roles may do.
fn nav_for(p: &Principal) -> Vec<(&'static str, &'static str)> {
    let mut nav = vec![("/home", "Home")];
    if p.receipt_for.is_some() || p.has(Role::Complainant) || p.has(Role::Respondent) {
        return nav;
    }
    if p.has(Role::Oversight) {
        nav.push(("/oversight", "Oversight"));
    }
    if p.has(Role::Administrator) {
        nav.push(("/admin", "Administration"));
    }
    nav
}

impl FromRequestParts<Docket> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, docket: &Docket) -> Result<Self, Response> {
        let now = Timestamp::now();
        let to_sign_in = || Redirect::to("/login").into_response();
        let session = match current_session(docket, &parts.headers, now).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_sign_in()),
            Err(e) => return Err(api_error_page(&Chrome::public(docket), e)),
        };
        let (principal, name) = match session_identity(docket, &session).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(to_sign_in()),
            Err(e) => return Err(api_error_page(&Chrome::public(docket), e)),
        };
        if principal.is_staff() && !session.second_factor_done {
            return Err(Redirect::to("/account/second-factor").into_response());
        }
        let chrome = Chrome {
            organisation: docket.rules.organisation.clone(),
            who: Some(name.clone()),
            csrf: session.csrf_token.clone(),
            nav: nav_for(&principal),
        };
        Ok(Viewer {
            principal,
            session,
            name,
            chrome,
        })
    }
}

/// Renders a page; pages are never cached (they carry tokens and case content).
pub fn render(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => crate::http::internal(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    title: &'a str,
    detail: &'a str,
}

pub fn error_page(chrome: &Chrome, status: StatusCode, title: &str, detail: &str) -> Response {
    render(
        status,
        ErrorPage {
            chrome,
            title,
            detail,
        },
    )
}

/// An error from the service shown as a page: the same sentence the API would give, and for
/// a failure of ours only the id to quote (the cause is logged).
pub fn api_error_page(chrome: &Chrome, e: ApiError) -> Response {
    e.log_cause();
    let p = e.problem();
    // A process refusal's detail already names its rule.
    let mut detail = p.detail.clone();
    if let Some(policies) = p.policy.as_ref().filter(|p| !p.is_empty()) {
        detail.push_str(&format!(" (policy: {})", policies.join(", ")));
    }
    error_page(chrome, e.status(), &p.title, &detail)
}

/// Problems with a form's fields, by field name, shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, why: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| why.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A required text field: trimmed, or a problem named.
    pub fn required(&mut self, field: &str, value: &str, what: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("Enter {what}."));
        }
        v.to_string()
    }
}

async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../../../static/htmx-2.0.11.min.js"),
    )
        .into_response()
}

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../static/favicon.svg"),
    )
        .into_response()
}

/// The pages' routes. `evidence_limit` is the server's limit on one evidence file: the
/// upload route alone takes bodies that large (the rest keep the router's small limit).
pub fn routes(evidence_limit: usize) -> Router<Docket> {
    let upload_limit =
        axum::extract::DefaultBodyLimit::max(evidence_limit + evidence::FRAMING_SLACK);
    Router::new()
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/static/htmx-2.0.11.min.js", get(htmx))
        .route("/home", get(home::home))
        .route("/search", get(search::search_page))
        .route("/cases/{reference}", get(case::case_page))
        .route(
            "/cases/{reference}/commands/{command}",
            get(commands::command_form).post(commands::run_command),
        )
        .route("/cases/{reference}/verify", get(verify::verify_page))
        .route("/cases/{reference}/bundle", get(bundle::bundle_page))
        .route("/cases/{reference}/bundle.zip", get(bundle::bundle_zip))
        .route(
            "/cases/{reference}/evidence/{number}/redact",
            get(redact::redact_page).post(redact::redact),
        )
        .route("/oversight", get(oversight::dashboard))
        .route("/oversight/contacts", get(oversight::contacts))
        .route("/oversight/denials", get(oversight::denials))
        .route("/oversight/checkpoints", get(oversight_log::checkpoints))
        .route("/oversight/report", get(oversight_report::report))
        .route("/oversight/report.csv", get(oversight_report::csv))
        .route(
            "/oversight/report/recompute",
            axum::routing::post(oversight_report::recompute),
        )
        .route(
            "/oversight/verify",
            get(oversight_log::verify_form).post(oversight_log::verify_run),
        )
        .merge(admin::routes())
        .merge(intake::routes(evidence_limit))
        .merge(portal::routes())
        .route(
            "/cases/{reference}/evidence",
            axum::routing::post(evidence::upload).layer(upload_limit),
        )
        .route(
            "/cases/{reference}/evidence/{number}",
            get(evidence::download),
        )
        .route(
            "/portal/evidence/{reference}/{number}",
            get(evidence::portal_download),
        )
        .route("/cases/{reference}/notices/{number}", get(notices::read))
        .route("/portal/notices/{reference}/{number}", get(notices::read))
}
