//! The JSON API under `/api/v1`: every command of the process and every list and detail a
//! user needs, each behind the policy gate. The OpenAPI 3.1 document is generated from these
//! handlers (utoipa), served at `/api/v1/openapi.json` and kept as a snapshot in the repo
//! (`docs/openapi.json`), which a test compares with what the code generates.

use crate::access::Target;
use crate::http::auth;
use crate::http::auth::api as login;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use docket_domain::Stage;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use error::{ApiError, Problem};
use extract::ApiPath;
use jiff::Timestamp;
use serde::Serialize;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod cases;
pub mod draws;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod members;
pub mod outcome;
pub mod paging;
pub mod parts;
pub mod search;
pub mod users;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Docket API",
        description = "Complaints and disciplinary cases, every change and read in a verifiable log. Errors are RFC 9457 problem documents.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "cases", description = "Cases, their parts and the commands of the process"),
        (name = "portal", description = "What complainants and respondents see"),
        (name = "organisation", description = "Members, statistics and who you are"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token issued with `docket users token issue`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

/// The API's routes and its OpenAPI document, built from the same handlers.
pub fn api() -> (axum::Router<Docket>, OpenApi) {
    let v1 = OpenApiRouter::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(cases::list, cases::receive))
        .routes(routes!(cases::metadata))
        .routes(routes!(cases::file))
        .routes(routes!(cases::complaint))
        .routes(routes!(cases::allegations))
        .routes(routes!(cases::contacts))
        .routes(routes!(cases::declarations))
        .routes(routes!(parts::charges))
        .routes(routes!(parts::measures))
        .routes(routes!(parts::hearing))
        .routes(routes!(parts::decision))
        .routes(routes!(parts::appeal))
        .routes(routes!(outcome::outcome_notice))
        .routes(routes!(cases::command))
        .routes(routes!(evidence::upload))
        .routes(routes!(evidence::download))
        .routes(routes!(evidence::bundle))
        .routes(routes!(evidence::redact))
        .routes(routes!(draws::draw))
        .routes(routes!(search::search))
        .routes(routes!(audit))
        .routes(routes!(me))
        .routes(routes!(statistics))
        .routes(routes!(members::list))
        .routes(routes!(members::member))
        .routes(routes!(users::users))
        .routes(routes!(login::api_sign_in, login::api_sign_out))
        .routes(routes!(login::api_receipt_sign_in));
    let (router, mut doc) = OpenApiRouter::new().nest("/api/v1", v1).split_for_parts();
    doc.info = <ApiDoc as utoipa::OpenApi>::openapi().info;
    (router, doc)
}

/// The OpenAPI document as served and as kept in `docs/openapi.json`.
pub fn openapi_json() -> String {
    let (_, doc) = api();
    doc.to_pretty_json().unwrap_or_default()
}

pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
        .into_response()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub person: String,
    pub roles: Vec<Role>,
    /// For an anonymous complainant signed in with a receipt code: their case.
    pub receipt_for: Option<String>,
}

/// Who the caller is signed in as.
#[utoipa::path(get, path = "/me", tag = "organisation",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(caller: auth::Caller) -> Json<Me> {
    let p = caller.0;
    Json(Me {
        person: p.person.to_string(),
        roles: p.roles.into_iter().collect(),
        receipt_for: p.receipt_for.map(|c| c.to_string()),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageCount {
    pub stage: Stage,
    pub cases: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistics {
    pub members: u64,
    pub cases: u64,
    pub open: u64,
    /// Open cases as a share of membership, as published ("0.018%").
    pub open_share: String,
    pub by_stage: Vec<StageCount>,
}

/// Published figures: counts by stage and open cases as a share of membership.
#[utoipa::path(get, path = "/statistics", tag = "organisation",
    responses((status = 200, body = Statistics), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn statistics(
    State(docket): State<Docket>,
    caller: auth::Caller,
) -> Result<Json<Statistics>, ApiError> {
    docket
        .authorize(
            &caller.0,
            Action::ViewStatistics,
            Target::Organisation,
            Timestamp::now(),
        )
        .await?;
    let h = crate::figures::Headline::read(docket.store.as_ref()).await?;
    Ok(Json(Statistics {
        members: h.members,
        cases: h.cases,
        open: h.open,
        open_share: h.open_share(),
        by_stage: h
            .stages
            .into_iter()
            .map(|(stage, cases)| StageCount { stage, cases })
            .collect(),
    }))
}

/// A case's audit trail: every event and view, with inclusion proofs against the latest
/// signed checkpoint. Metadata only.
#[utoipa::path(get, path = "/cases/{reference}/audit", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = crate::audit::AuditTrail), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn audit(
    State(docket): State<Docket>,
    caller: auth::Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<crate::audit::AuditTrail>, ApiError> {
    let id = docket_domain::ids::CaseId::parse(&raw).map_err(ApiError::not_found)?;
    Ok(Json(docket.audit(&id, &caller.0, Timestamp::now()).await?))
}
