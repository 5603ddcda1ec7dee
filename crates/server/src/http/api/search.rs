//! Search over the API: by words, or by a member named in cases. Only cases the caller may
//! read are returned, and nothing says how many others matched.

use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use crate::http::auth::Caller;
use crate::search::SearchHit;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use docket_domain::ids::MembershipNumber;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Hits returned unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words to find in complaints, titles, charges and notes; text in double quotes is a
    /// phrase. Give this or `person`.
    pub q: Option<String>,
    /// A membership number: every case naming that member, as respondent or complainant.
    pub person: Option<String>,
    /// 1 to 100; 20 unless given.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// The cases that matched and that the caller may read. There is no total: a count of every
/// match would tell the caller about cases they may not see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

/// Searches cases by their words or by a member they name. Each case returned is recorded
/// as read (its title or snippet) by the caller.
#[utoipa::path(get, path = "/search", tag = "cases", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(docket): State<Docket>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    if docket.search.is_none() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Search is off",
            "This server keeps no search index (see --search-index).",
        ));
    }
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=crate::search::MOST_HITS) => n,
        Some(_) => return Err(ApiError::invalid_query("limit", "limit: give 1 to 100")),
    };
    let hits = match (q.q.as_deref().map(str::trim), q.person.as_deref()) {
        (Some(text), None) if !text.is_empty() => {
            docket.search_cases(&caller.0, text, limit).await?
        }
        (None, Some(raw)) => {
            let number = MembershipNumber::parse(raw)
                .map_err(|e| ApiError::invalid_query("person", format!("person: {e}")))?;
            docket.cases_naming(&caller.0, &number, limit).await?
        }
        _ => {
            return Err(ApiError::bad_request(
                "give either q (words to find) or person (a membership number)",
            ));
        }
    };
    Ok(Json(SearchResults { hits }))
}
