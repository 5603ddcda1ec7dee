//! Draws over the API: the server picks the pool and the seed; the answer is what to send
//! back with the command that appoints the people drawn.

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath};
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use docket_domain::draw::{Draw, DrawInput};
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, Text};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// hearing_panel, appeal_panel or independent_reviewer.
    pub function: Function,
    /// How many to draw; the rule book's panel size (one reviewer) unless given.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 15)]
    pub size: Option<usize>,
    /// Why the function is drawn again, when it was drawn for this case before (a drawn
    /// person cannot sit, a vetoed decision needs a new panel). Required then, and recorded
    /// with the draw.
    #[serde(default)]
    pub reason: Option<Text>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrawMade {
    /// Send this as the `draw` of schedule_hearing, convene_appeal_panel or
    /// request_independent_review, with the people drawn as the panel (or reviewer).
    pub input: DrawInput,
    pub result: Draw,
}

/// Draws a hearing panel, an appeal panel or an independent reviewer for a case.
#[utoipa::path(post, path = "/cases/{reference}/draws", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    request_body = DrawRequest,
    responses((status = 200, body = DrawMade),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn draw(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(req): ApiJson<DrawRequest>,
) -> Result<Json<DrawMade>, ApiError> {
    caller.may_write()?;
    let id = CaseId::parse(&raw).map_err(ApiError::not_found)?;
    let (input, result) = docket
        .draw_for(
            &id,
            req.function,
            req.size,
            req.reason,
            &caller.0,
            Timestamp::now(),
        )
        .await?;
    Ok(Json(DrawMade { input, result }))
}
