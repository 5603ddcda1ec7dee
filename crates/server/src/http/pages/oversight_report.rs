//! Oversight's transparency report: the same report as the public statistics page and
//! `docket report`, inside the application, with its CSV to download and a run of
//! `docket report --verify-from-log` that recomputes every figure from the raw events.

use super::oversight::gate;
use super::{Chrome, Viewer, api_error_page, render};
use crate::report::{Charts, Period, Report};
use crate::service::Docket;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_domain::case::day_of;
use docket_domain::policy::Action;
use serde::Deserialize;
use std::sync::LazyLock;
use std::time::Instant;
use tokio::sync::Semaphore;

/// One recomputation from the log at a time: it reads every event.
static RUNNING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

/// How long a request waits for the one running before it is told to try again: long
/// enough for a running recomputation of a modest log to end.
const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    period: String,
    csrf: String,
}

impl ReportQuery {
    fn period(&self) -> Result<Period, String> {
        Period::asked(&self.period, day_of(jiff::Timestamp::now()))
    }
}

/// What recomputing from the raw events found.
struct Recomputed {
    events: u64,
    millis: u128,
    differences: Vec<String>,
}

#[derive(Template)]
#[template(path = "oversight_report.html")]
struct ReportPage<'a> {
    chrome: Chrome,
    r: &'a Report,
    charts: Charts,
    asked: String,
    problem: Option<String>,
    recomputed: Option<Recomputed>,
    busy: bool,
}

/// The report for the period asked for; a period that is not one is re-shown with its
/// problem named, over the figures to date.
async fn page(
    docket: &Docket,
    viewer: &Viewer,
    q: &ReportQuery,
    recomputed: Option<Recomputed>,
    busy: bool,
) -> Response {
    let (period, problem) = match q.period() {
        Ok(p) => (p, None),
        Err(e) => (Period::to_date(day_of(jiff::Timestamp::now())), Some(e)),
    };
    let report = match docket.published_report(&period).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else if busy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    render(
        status,
        ReportPage {
            chrome: viewer.chrome.clone(),
            r: &report,
            charts: report.charts(),
            asked: q.period.clone(),
            problem,
            recomputed,
            busy,
        },
    )
}

pub async fn report(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewStatistics).await {
        return page;
    }
    page(&docket, &viewer, &q, None, false).await
}

/// The report's CSV, as `docket report --format csv` writes it.
pub async fn csv(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewStatistics).await {
        return page;
    }
    let period = match q.period() {
        Ok(p) => p,
        Err(_) => return page(&docket, &viewer, &q, None, false).await,
    };
    match docket.published_report(&period).await {
        Ok(r) => {
            let mut res = r.csv().into_response();
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"report.csv\""),
            );
            res
        }
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}

/// Recomputes the period's figures from the raw events and compares them with the read
/// models'. A POST with the form's token: it reads the whole log, so it runs only when asked.
pub async fn recompute(
    State(docket): State<Docket>,
    viewer: Viewer,
    Form(q): Form<ReportQuery>,
) -> Response {
    if let Err(page) = viewer.check_csrf(&q.csrf) {
        return page;
    }
    if let Err(page) = gate(&docket, &viewer, Action::ViewAuditTrail).await {
        return page;
    }
    let Ok(period) = q.period() else {
        return page(&docket, &viewer, &q, None, false).await;
    };
    let Ok(Ok(_running)) = tokio::time::timeout(WAIT, RUNNING.acquire()).await else {
        return page(&docket, &viewer, &q, None, true).await;
    };
    let started = Instant::now();
    let (events, differences) = match docket.verify_figures(&period, &|_| {}).await {
        Ok(Ok(events)) => (events, Vec::new()),
        Ok(Err(differences)) => (docket.store.head().await.unwrap_or(0), differences),
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    tracing::info!(
        agree = differences.is_empty(),
        events,
        "figures recomputed from the log on the oversight page"
    );
    let recomputed = Recomputed {
        events,
        millis: started.elapsed().as_millis(),
        differences,
    };
    page(&docket, &viewer, &q, Some(recomputed), false).await
}
