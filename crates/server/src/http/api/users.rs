//! Accounts as administrators see them, filtered and paged: never a secret (no password hash,
//! second-factor secret, recovery code or token). Accounts are few (staff and portal users),
//! so the list is filtered in memory after one read.

use super::error::{ApiError, Problem};
use super::extract::ApiQuery;
use super::paging::{Page, Paging};
use crate::access::Target;
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use docket_domain::account::Account;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub username: String,
    pub person: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub member: Option<String>,
    pub second_factor: bool,
    pub disabled: bool,
    /// Set while the account is locked after failed sign-ins.
    pub locked_until: Option<Timestamp>,
}

impl User {
    fn of(a: Account, now: Timestamp) -> User {
        User {
            second_factor: a.second_factor_enrolled(),
            locked_until: a.locked_at(now),
            username: a.username.to_string(),
            person: a.person.to_string(),
            display_name: a.display_name,
            roles: a.roles.into_iter().collect(),
            member: a.member.map(|m| m.to_string()),
            disabled: a.disabled,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Only accounts holding this role.
    pub role: Option<Role>,
    /// Only disabled accounts (true), or only those that may sign in (false).
    pub disabled: Option<bool>,
    /// Only accounts locked after failed sign-ins (true), or only those not locked (false).
    pub locked: Option<bool>,
    /// From 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// 1 to 200; 50 unless given.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// Accounts by username, filtered and paged.
#[utoipa::path(get, path = "/users", tag = "organisation", params(UserQuery),
    responses((status = 200, body = Page<User>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn users(
    State(docket): State<Docket>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    let now = Timestamp::now();
    docket
        .authorize(&caller.0, Action::ViewUsers, Target::Organisation, now)
        .await?;
    let paging = Paging::of(q.page, q.per_page)?;
    let matching: Vec<User> = docket
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| User::of(a, now))
        .filter(|u| q.role.is_none_or(|r| u.roles.contains(&r)))
        .filter(|u| q.disabled.is_none_or(|d| u.disabled == d))
        .filter(|u| q.locked.is_none_or(|l| u.locked_until.is_some() == l))
        .collect();
    Ok(Json(paging.cut(matching)))
}
