//! The public statistics page and its JSON: the transparency report (see `report`), with no
//! login, no names and no content, small numbers protected. Officeholders' home shows the
//! same report's headline.

use crate::http::api::error::ApiError;
use crate::report::{Charts, Period, Report};
use crate::service::Docket;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use docket_domain::case::day_of;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    period: String,
}

impl PeriodQuery {
    fn period(&self) -> Result<Period, String> {
        Period::asked(&self.period, day_of(jiff::Timestamp::now()))
    }
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage<'a> {
    r: &'a Report,
    charts: Charts,
    asked: String,
    problem: Option<String>,
}

pub async fn page(State(docket): State<Docket>, Query(q): Query<PeriodQuery>) -> Response {
    let (period, problem) = match q.period() {
        Ok(p) => (p, None),
        // The figures to date, with the period field sent back and its problem named.
        Err(e) => (Period::to_date(day_of(jiff::Timestamp::now())), Some(e)),
    };
    let report = match docket.published_report(&period).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let page = StatisticsPage {
        r: &report,
        charts: report.charts(),
        asked: q.period.clone(),
        problem: problem.clone(),
    };
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => super::internal(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

pub async fn json(State(docket): State<Docket>, Query(q): Query<PeriodQuery>) -> Response {
    let period = match q.period() {
        Ok(p) => p,
        Err(e) => return ApiError::invalid_query("period", e).into_response(),
    };
    match docket.published_report(&period).await {
        Ok(r) => Json(r.as_ref()).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
