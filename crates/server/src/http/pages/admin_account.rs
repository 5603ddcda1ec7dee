//! One account as administrators manage it: its roles, disabling and enabling, and the
//! second-factor reset (with a reason and a confirmation). Each change checks the form's
//! token, asks the gate for `manage_users`, goes through `Accounts` (the same events as
//! `docket users …`), and redirects to the account's page saying what was done.

use super::admin_users::{Fields, RoleBox, account_error_page, role_boxes, role_list};
use super::oversight::gate;
use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::accounts::Accounts;
use crate::http::api::error::ApiError;
use crate::service::Docket;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::account::{Account, Username};
use docket_domain::ids::Text;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    username: String,
    name: String,
    person: String,
    member: Option<String>,
    current_roles: String,
    second_factor: bool,
    disabled: bool,
    locked_until: Option<String>,
    created: String,
    done: Option<&'static str>,
    roles: Vec<RoleBox>,
    disable_reason: String,
    reset_reason: String,
    errors: FieldErrors,
    is_self: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// What was just done, said on the page the change redirects to. A fixed set, so nothing a
/// link carries is shown as if Docket had said it.
fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "roles" => "The roles were changed and recorded in the log.",
        "disabled" => {
            "The account was disabled and signed out everywhere; the reason is recorded in the log."
        }
        "enabled" => "The account was enabled and may sign in again.",
        "second-factor" => {
            "The second factor was removed and the account signed out everywhere; the person sets up a new one at their next sign-in."
        }
        _ => return None,
    })
}

/// Kept values and problems when a form on the account page is shown again.
#[derive(Default)]
struct Again {
    roles: Option<BTreeSet<Role>>,
    disable_reason: String,
    reset_reason: String,
    errors: FieldErrors,
}

async fn user_page(
    docket: &Docket,
    viewer: &Viewer,
    raw: &str,
    done: Option<&'static str>,
    again: Again,
) -> Response {
    let status = if again.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let account = match account(docket, viewer, raw).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let now = Timestamp::now();
    render(
        status,
        UserPage {
            chrome: viewer.chrome.clone(),
            is_self: account.person == viewer.principal.person,
            username: account.username.to_string(),
            name: account.display_name.clone(),
            person: account.person.to_string(),
            member: account.member.as_ref().map(|m| m.to_string()),
            current_roles: role_list(&account.roles),
            second_factor: account.second_factor_enrolled(),
            disabled: account.disabled,
            locked_until: account.locked_at(now).map(super::oversight::minute),
            created: super::oversight::minute(account.created_at),
            done,
            roles: role_boxes(again.roles.as_ref().unwrap_or(&account.roles)),
            disable_reason: again.disable_reason,
            reset_reason: again.reset_reason,
            errors: again.errors,
        },
    )
}

async fn account(docket: &Docket, viewer: &Viewer, raw: &str) -> Result<Account, Response> {
    let not_found = || {
        error_page(
            &viewer.chrome,
            StatusCode::NOT_FOUND,
            "No such account",
            "There is no account with that username.",
        )
    };
    let username = Username::parse(raw).map_err(|_| not_found())?;
    match docket.store.account(&username).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(not_found()),
        Err(e) => Err(api_error_page(&viewer.chrome, ApiError::from(e))),
    }
}

pub async fn show(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewUsers).await {
        return page;
    }
    user_page(
        &docket,
        &viewer,
        &raw,
        done_message(&q.done),
        Again::default(),
    )
    .await
}

/// The checks every change to an account makes first: the form read, its token, the gate;
/// then the account it is about.
async fn change(
    docket: &Docket,
    viewer: &Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
    raw: &str,
) -> Result<(Fields, Account), Response> {
    let f = Fields::of(form, &viewer.chrome)?;
    viewer.check_csrf(f.get("csrf"))?;
    gate(docket, viewer, Action::ManageUsers).await?;
    Ok((f, account(docket, viewer, raw).await?))
}

/// Where a change to an account goes: back to the account with what was done, or the
/// reason it was not.
fn finish<T>(
    viewer: &Viewer,
    raw: &str,
    what: &str,
    changed: Result<T, crate::accounts::AccountError>,
) -> Response {
    match changed {
        Ok(_) => done(raw, what),
        Err(e) => account_error_page(viewer, e),
    }
}

fn done(raw: &str, what: &str) -> Response {
    let username = Username::parse(raw)
        .map(|u| u.to_string())
        .unwrap_or_default();
    Redirect::to(&format!("/admin/users/{username}?done={what}")).into_response()
}

pub async fn set_roles(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (f, target) = match change(&docket, &viewer, form, &raw).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let roles = f.roles();
    let mut errors = FieldErrors::default();
    if roles.is_empty() {
        errors.add("roles", "Choose at least one role.");
    } else if target.person == viewer.principal.person && !roles.contains(&Role::Administrator) {
        // Otherwise an administrator could lock the organisation out of its own accounts.
        errors.add(
            "roles",
            "You cannot take the administrator role from yourself; another administrator can.",
        );
    }
    if !errors.is_empty() {
        let again = Again {
            roles: Some(roles),
            errors,
            ..Again::default()
        };
        return user_page(&docket, &viewer, &raw, None, again).await;
    }
    let changed = Accounts::new(docket.clone())
        .set_roles(
            &target.username,
            roles,
            &viewer.principal.person,
            Timestamp::now(),
        )
        .await;
    finish(&viewer, &raw, "roles", changed)
}

pub async fn disable(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (f, target) = match change(&docket, &viewer, form, &raw).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let mut errors = FieldErrors::default();
    let reason = Text::parse(f.get("reason").trim())
        .map_err(|_| {
            errors.add(
                "reason",
                "Say why the account is disabled; the reason is kept in the log.",
            )
        })
        .ok();
    if target.person == viewer.principal.person {
        errors.add("reason", "You cannot disable your own account.");
    }
    let (Some(reason), true) = (reason, errors.is_empty()) else {
        let again = Again {
            disable_reason: f.get("reason").to_string(),
            errors,
            ..Again::default()
        };
        return user_page(&docket, &viewer, &raw, None, again).await;
    };
    let changed = Accounts::new(docket.clone())
        .disable(
            &target.username,
            reason,
            &viewer.principal.person,
            Timestamp::now(),
        )
        .await;
    finish(&viewer, &raw, "disabled", changed)
}

pub async fn enable(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let target = match change(&docket, &viewer, form, &raw).await {
        Ok((_, target)) => target,
        Err(page) => return page,
    };
    let changed = Accounts::new(docket.clone())
        .enable(&target.username, &viewer.principal.person, Timestamp::now())
        .await;
    finish(&viewer, &raw, "enabled", changed)
}

pub async fn reset_second_factor(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (f, target) = match change(&docket, &viewer, form, &raw).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let mut errors = FieldErrors::default();
    let reason = Text::parse(f.get("reset_reason").trim())
        .map_err(|_| {
            errors.add(
                "reset_reason",
                "Say why the second factor is reset (for example, a lost phone); the reason is kept in the log.",
            )
        })
        .ok();
    if f.get("confirm").is_empty() {
        errors.add(
            "confirm",
            "Tick the box to confirm you checked who asked for the reset.",
        );
    }
    let (Some(reason), true) = (reason, errors.is_empty()) else {
        let again = Again {
            reset_reason: f.get("reset_reason").to_string(),
            errors,
            ..Again::default()
        };
        return user_page(&docket, &viewer, &raw, None, again).await;
    };
    let accounts = Accounts::new(docket.clone());
    match accounts
        .reset_second_factor(
            &target.username,
            Some(reason),
            &viewer.principal.person,
            Timestamp::now(),
        )
        .await
    {
        Ok(_) => done(&raw, "second-factor"),
        Err(e) => account_error_page(&viewer, e),
    }
}
