//! The HTTP application. Startup is a library function so tests start the real server the
//! same way `docket serve` does, on port 0.

use crate::figures::thousands;
use crate::service::Docket;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use docket_domain::Stage;
use docket_domain::case::day_of;
use docket_domain::store::CaseFilter;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub mod api;
pub mod auth;
mod log;
pub mod pages;
mod statistics;

/// An RFC 9457 problem document: the error format of every non-HTML response.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// A failure we did not expect: logged in full with an id, shown to the user as that id only.
/// A store that is down is "unavailable" (503, worth retrying); anything else is our fault (500).
pub(crate) fn internal(status: StatusCode, e: impl std::fmt::Display) -> Response {
    let id = format!("{:016x}", rand::random::<u64>());
    tracing::error!(error_id = %id, error = %e, "request failed");
    let title = if status == StatusCode::SERVICE_UNAVAILABLE {
        "Docket is unavailable"
    } else {
        "Docket could not answer"
    };
    problem(
        status,
        title,
        &format!("Something went wrong on our side. Quote this id if you report it: {id}"),
    )
}

pub(crate) fn store_failure(e: docket_domain::store::StoreError) -> Response {
    let status = match e {
        docket_domain::store::StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    internal(status, e)
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    organisation: String,
    members: String,
    cases: String,
    open: String,
    open_share: String,
    overdue: String,
    events: String,
    /// Each stage and its count as published (small numbers protected).
    stages: Vec<(String, String)>,
    today: String,
}

async fn status_page(State(docket): State<Docket>) -> Response {
    let today = day_of(jiff::Timestamp::now());
    let result = async {
        let store = &docket.store;
        let headline = crate::figures::Headline::read(store.as_ref()).await?;
        let events = store.head().await?;
        let overdue = store
            .list_cases(&CaseFilter {
                open_only: true,
                overdue_on: Some(today),
                ..CaseFilter::default()
            })
            .await?
            .len() as u64;
        Ok::<_, docket_domain::store::StoreError>((headline, events, overdue))
    }
    .await;
    let (h, events, overdue) = match result {
        Ok(v) => v,
        Err(e) => return store_failure(e),
    };
    // A public page: small counts would point at people, so they are protected here as in
    // the published report.
    let threshold = crate::report::THRESHOLD;
    let cells: Vec<(String, u64)> = h
        .stages
        .iter()
        .map(|(s, n): &(Stage, u64)| (s.to_string(), *n))
        .collect();
    let (table, _) = docket_domain::statistics::suppression::protect(
        "cases by stage",
        &cells,
        Some(h.cases),
        false,
        threshold,
    );
    let overdue = docket_domain::statistics::suppression::shown(overdue, threshold).text();
    let page = StatusPage {
        organisation: docket.rules.organisation.clone(),
        members: thousands(h.members),
        cases: thousands(h.cases),
        open: thousands(h.open),
        open_share: h.open_share(),
        overdue,
        events: thousands(events),
        stages: table
            .cells
            .into_iter()
            .map(|c| (c.label, c.shown.text()))
            .collect(),
        today: today.to_string(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn healthz(State(docket): State<Docket>) -> Response {
    match docket.store.head().await {
        Ok(head) => axum::Json(serde_json::json!({"status": "ok", "events": head})).into_response(),
        Err(e) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "The store is unavailable",
            &e.to_string(),
        ),
    }
}

/// The log's verifier key in the signed-note "vkey" format: what checkpoints are checked with.
async fn log_key(State(docket): State<Docket>) -> Response {
    match &docket.log_signer {
        Some(signer) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", signer.vkey()),
        )
            .into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "No log key",
            "This server was started without the transparency log's signing key.",
        ),
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/docket.css"),
    )
        .into_response()
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing at this address.",
    )
}

/// Headers every response carries: no framing, no sniffing, no referrer, and a CSP that
/// allows nothing but our own origin.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    res
}

async fn method_not_allowed() -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "This address does not take that method; the API's OpenAPI document at /api/v1/openapi.json lists what each takes.",
    )
}

pub fn router(docket: Docket) -> Router {
    let (api, _) = api::api();
    Router::new()
        .merge(api)
        .merge(pages::routes(docket.evidence_limit))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route(
            "/login",
            get(auth::login::sign_in_form).post(auth::login::sign_in),
        )
        .route("/logout", axum::routing::post(auth::login::sign_out))
        .route(
            "/account/second-factor",
            get(auth::login::second_factor_form).post(auth::login::second_factor),
        )
        .route(
            "/follow-up",
            get(auth::login::follow_up_form).post(auth::login::follow_up),
        )
        .route("/", get(status_page))
        .route("/statistics", get(statistics::page))
        .route("/statistics.json", get(statistics::json))
        .route("/healthz", get(healthz))
        .route("/log/key", get(log_key))
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/tile/{*rest}", get(log::tile))
        .route("/log/proof/inclusion", get(log::inclusion))
        .route("/log/proof/consistency", get(log::consistency))
        .route("/static/docket.css", get(stylesheet))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(api::extract::MAX_BODY))
        .layer(axum::Extension(std::sync::Arc::new(
            auth::limit::Throttle::sign_in(),
        )))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(docket)
}

/// A bound, not yet serving, Docket server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    docket: Docket,
}

impl Application {
    pub async fn build(docket: Docket, listen: &str) -> std::io::Result<Application> {
        let listener = TcpListener::bind(listen).await?;
        Ok(Application { listener, docket })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Checkpoints are signed off the request path, by one task per server.
        let checkpointer = self.docket.log_signer.is_some().then(|| {
            crate::transparency::spawn_checkpointer(
                self.docket.clone(),
                self.docket.commits.clone(),
            )
        });
        let sweeper = auth::spawn_session_sweeper(self.docket.clone());
        let app = router(self.docket).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(task) = checkpointer {
            task.abort();
        }
        sweeper.abort();
        served
    }
}
