//! The membership list over the API: one member by number, or the list filtered and paged.
//! Both ask the gate for `view_members` of the organisation first.

use super::error::{ApiError, Problem};
use super::extract::{ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use crate::access::Target;
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use docket_domain::ids::MembershipNumber;
use docket_domain::member::{Member, MemberStatus};
use docket_domain::policy::Action;
use docket_domain::store::MemberFilter;
use jiff::Timestamp;
use serde::Deserialize;
use utoipa::IntoParams;

/// The longest name or region a filter takes: longer cannot be a prefix anyone typed.
const MAX_TEXT: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemberQuery {
    /// Only members with this status.
    pub status: Option<MemberStatus>,
    /// Only members in this region, written exactly as in the membership list.
    pub region: Option<String>,
    /// Only elected representatives (true), or only members holding no elected office (false).
    pub elected: Option<bool>,
    /// Only members whose membership number starts with this (letters and digits, any case).
    pub number: Option<String>,
    /// Only members whose name starts with this; the case of the letters A–Z does not matter.
    pub name: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// 1 to 200; 50 unless given.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// A text filter: blank is no filter (what an empty form field sends), overlong is refused.
fn text(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if v.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid_query(
            field,
            format!("{field} may be at most {MAX_TEXT} characters long"),
        ));
    }
    Ok(Some(v))
}

/// A membership-number prefix, upper case as numbers are stored.
fn number_prefix(value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = text("number", value)? else {
        return Ok(None);
    };
    if v.len() > 20 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid_query(
            "number",
            format!("'{v}' cannot start a membership number: use 1–20 letters and digits"),
        ));
    }
    Ok(Some(v.to_ascii_uppercase()))
}

impl MemberQuery {
    fn filter(self, paging: Paging) -> Result<MemberFilter, ApiError> {
        Ok(MemberFilter {
            status: self.status,
            region: text("region", self.region)?,
            elected: self.elected,
            number_prefix: number_prefix(self.number)?,
            name_prefix: text("name", self.name)?,
            offset: paging.offset(),
            limit: paging.per_page,
        })
    }
}

async fn may_view_members(docket: &Docket, caller: &Caller) -> Result<(), ApiError> {
    docket
        .authorize(
            &caller.0,
            Action::ViewMembers,
            Target::Organisation,
            Timestamp::now(),
        )
        .await?;
    Ok(())
}

/// Lists members by membership number, filtered and paged.
#[utoipa::path(get, path = "/members", tag = "organisation", operation_id = "list_members",
    params(MemberQuery),
    responses((status = 200, body = Page<Member>), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(docket): State<Docket>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> Result<Json<Page<Member>>, ApiError> {
    may_view_members(&docket, &caller).await?;
    let paging = Paging::of(q.page, q.per_page)?;
    let found = docket.store.list_members(&q.filter(paging)?).await?;
    Ok(Json(paging.holding(found.members, found.total)))
}

/// One member's record.
#[utoipa::path(get, path = "/members/{number}", tag = "organisation",
    params(("number" = String, Path, description = "The membership number, e.g. PA0000102")),
    responses((status = 200, body = Member), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn member(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Member>, ApiError> {
    may_view_members(&docket, &caller).await?;
    let number = MembershipNumber::parse(&raw).map_err(ApiError::not_found)?;
    docket
        .store
        .member(&number)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("No member has the number {number}.")))
}
