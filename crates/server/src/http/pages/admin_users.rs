//! Accounts as administrators manage them: the list (filtered and paged like
//! `GET /api/v1/users`), creating an account, and one account's page with its roles,
//! disabling and enabling, and the second-factor reset. Each change checks the form's token,
//! asks the gate for `manage_users`, goes through `Accounts` (so the log records it exactly
//! as `docket users …` does), and redirects to the account's page with what was done.

use super::oversight::{PageQuery, Pager, gate};
use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::accounts::{AccountError, Accounts, NewAccount, password};
use crate::http::api::error::ApiError;
use crate::service::Docket;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::account::{Account, Username};
use docket_domain::ids::{MembershipNumber, PersonId, Text};
use docket_domain::policy::Action;
use docket_domain::role::Role;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeSet;

const PER_PAGE: usize = 50;

/// A submitted form's fields by name. Read as pairs, because role checkboxes each have a
/// name of their own and an absent box is simply not sent.
struct Fields(Vec<(String, String)>);

impl Fields {
    /// The form's fields, or a page saying the submission could not be read.
    fn of(
        form: Result<Form<Vec<(String, String)>>, FormRejection>,
        chrome: &Chrome,
    ) -> Result<Fields, Response> {
        match form {
            Ok(Form(pairs)) => Ok(Fields(pairs)),
            Err(e) => Err(error_page(
                chrome,
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                &format!("Nothing was changed: {e}. Go back, reload the page and try again."),
            )),
        }
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The roles whose boxes were ticked (`role_case_officer` and so on).
    fn roles(&self) -> BTreeSet<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| !self.get(&format!("role_{}", r.as_str())).is_empty())
            .collect()
    }
}

fn role_name(r: Role) -> String {
    r.as_str().replace('_', " ")
}

fn role_list(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(|r| role_name(*r)).collect::<Vec<_>>().join(", ")
}

/// A checkbox of the roles fieldset.
struct RoleBox {
    code: &'static str,
    label: String,
    checked: bool,
}

fn role_boxes(checked: &BTreeSet<Role>) -> Vec<RoleBox> {
    Role::ALL
        .into_iter()
        .map(|r| RoleBox {
            code: r.as_str(),
            label: role_name(r),
            checked: checked.contains(&r),
        })
        .collect()
}

// ------------------------------------ the list ------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    role: String,
    /// "yes", "no" or "" (either).
    #[serde(default)]
    disabled: String,
    #[serde(default)]
    locked: String,
    #[serde(flatten)]
    page: PageQuery,
}

struct UserRow {
    username: String,
    name: String,
    roles: String,
    second_factor: bool,
    disabled: bool,
    locked_until: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    pager: Pager,
    roles: Vec<RoleBox>,
    disabled: String,
    locked: String,
    filter_query: String,
    problem: Option<String>,
    may_manage: bool,
}

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub async fn list(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewUsers).await {
        return page;
    }
    let now = Timestamp::now();
    let mut problem = None;
    let role = match q.role.as_str() {
        "" => None,
        r => match Role::parse(r) {
            Ok(r) => Some(r),
            Err(e) => {
                problem = Some(format!("Role: {e}"));
                None
            }
        },
    };
    let (disabled, locked) = (yes_no(&q.disabled), yes_no(&q.locked));
    let accounts = match docket.store.accounts().await {
        Ok(a) => a,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    // Accounts are few (staff and portal users): filtered in memory, as the API does.
    let matching: Vec<Account> = accounts
        .into_iter()
        .filter(|a| role.is_none_or(|r| a.roles.contains(&r)))
        .filter(|a| disabled.is_none_or(|d| a.disabled == d))
        .filter(|a| locked.is_none_or(|l| a.locked_at(now).is_some() == l))
        .collect();
    let pager = Pager::new(q.page.number(), matching.len(), PER_PAGE);
    let rows = pager
        .cut(matching, PER_PAGE)
        .into_iter()
        .map(|a| UserRow {
            second_factor: a.second_factor_enrolled(),
            locked_until: a.locked_at(now).map(super::oversight::minute),
            username: a.username.to_string(),
            name: a.display_name,
            roles: role_list(&a.roles),
            disabled: a.disabled,
        })
        .collect();
    let filter_query = super::home::form_urlencoded(&[
        ("role", role.map(|r| r.as_str()).unwrap_or("")),
        ("disabled", q.disabled.as_str()),
        ("locked", q.locked.as_str()),
    ]);
    let may_manage = docket.may(
        &viewer.principal,
        crate::access::Target::Organisation,
        &[Action::ManageUsers],
    ) == [true];
    render(
        StatusCode::OK,
        ListPage {
            chrome: viewer.chrome.clone(),
            rows,
            pager,
            roles: role_boxes(&role.into_iter().collect()),
            disabled: q.disabled,
            locked: q.locked,
            filter_query,
            problem,
            may_manage,
        },
    )
}

// ------------------------------------ creating ------------------------------------

#[derive(Template)]
#[template(path = "admin_user_new.html")]
struct NewPage {
    chrome: Chrome,
    username: String,
    person: String,
    name: String,
    member: String,
    roles: Vec<RoleBox>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin_user_created.html")]
struct CreatedPage {
    chrome: Chrome,
    username: String,
    name: String,
    roles: String,
    password: String,
    staff: bool,
}

pub async fn new_form(State(docket): State<Docket>, viewer: Viewer) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ManageUsers).await {
        return page;
    }
    render(
        StatusCode::OK,
        NewPage {
            chrome: viewer.chrome.clone(),
            username: String::new(),
            person: String::new(),
            name: String::new(),
            member: String::new(),
            roles: role_boxes(&BTreeSet::new()),
            errors: FieldErrors::default(),
        },
    )
}

pub async fn create(
    State(docket): State<Docket>,
    viewer: Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let f = match Fields::of(form, &viewer.chrome) {
        Ok(f) => f,
        Err(page) => return page,
    };
    if let Err(page) = viewer.check_csrf(f.get("csrf")) {
        return page;
    }
    if let Err(page) = gate(&docket, &viewer, Action::ManageUsers).await {
        return page;
    }
    let mut errors = FieldErrors::default();
    let username = Username::parse(f.get("username").trim())
        .map_err(|e| errors.add("username", e))
        .ok();
    // The person id is usually the username; it names the person in the log.
    let person_text = match f.get("person").trim() {
        "" => f.get("username").trim(),
        p => p,
    };
    let person = PersonId::parse(person_text)
        .map_err(|e| errors.add("person", e))
        .ok();
    let name = errors.required("name", f.get("name"), "the person's name as colleagues know it");
    let member = match f.get("member").trim() {
        "" => None,
        m => MembershipNumber::parse(m)
            .map_err(|e| errors.add("member", e))
            .ok(),
    };
    let roles = f.roles();
    if roles.is_empty() {
        errors.add("roles", "Choose at least one role.");
    }
    let again = |errors: FieldErrors| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            NewPage {
                chrome: viewer.chrome.clone(),
                username: f.get("username").to_string(),
                person: f.get("person").to_string(),
                name: f.get("name").to_string(),
                member: f.get("member").to_string(),
                roles: role_boxes(&roles),
                errors,
            },
        )
    };
    let (Some(username), Some(person), true) = (username, person, errors.is_empty()) else {
        return again(errors);
    };
    // As `docket users add` without --password-stdin: a temporary password, shown once.
    let temporary = password::random_password();
    let new = NewAccount {
        username,
        person,
        display_name: name,
        roles: roles.clone(),
        member,
        password: temporary.clone(),
    };
    let accounts = Accounts::new(docket.clone());
    match accounts
        .create(new, &viewer.principal.person, Timestamp::now())
        .await
    {
        // The temporary password cannot travel in a redirect, so this answer shows it; a
        // second submit of the same form is refused as "already an account", not doubled.
        Ok(a) => render(
            StatusCode::CREATED,
            CreatedPage {
                chrome: viewer.chrome.clone(),
                staff: a.needs_second_factor(),
                username: a.username.to_string(),
                name: a.display_name,
                roles: role_list(&a.roles),
                password: temporary,
            },
        ),
        Err(AccountError::UsernameTaken(u)) => {
            errors.add("username", format!("There is already an account called {u}."));
            again(errors)
        }
        Err(AccountError::PersonHasAccount { person, username }) => {
            errors.add(
                "person",
                format!("{person} already has an account ({username}); one person, one account."),
            );
            again(errors)
        }
        Err(e) => account_error_page(&viewer, e),
    }
}

fn account_error_page(viewer: &Viewer, e: AccountError) -> Response {
    match e {
        AccountError::Store(e) => api_error_page(&viewer.chrome, e.into()),
        AccountError::Service(e) => api_error_page(&viewer.chrome, e.into()),
        AccountError::NotFound(u) => error_page(
            &viewer.chrome,
            StatusCode::NOT_FOUND,
            "No such account",
            &format!("There is no account called {u}."),
        ),
        other => error_page(
            &viewer.chrome,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was changed",
            &other.to_string(),
        ),
    }
}

// ------------------------------------ one account ------------------------------------

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
        "disabled" => "The account was disabled and signed out everywhere; the reason is recorded in the log.",
        "enabled" => "The account was enabled and may sign in again.",
        "second-factor" => "The second factor was removed and the account signed out everywhere; the person sets up a new one at their next sign-in.",
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
    user_page(&docket, &viewer, &raw, done_message(&q.done), Again::default()).await
}

/// The checks every change to an account makes first: the form read, its token, the gate.
async fn change(
    docket: &Docket,
    viewer: &Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Fields, Response> {
    let f = Fields::of(form, &viewer.chrome)?;
    viewer.check_csrf(f.get("csrf"))?;
    gate(docket, viewer, Action::ManageUsers).await?;
    Ok(f)
}

fn done(raw: &str, what: &str) -> Response {
    let username = Username::parse(raw).map(|u| u.to_string()).unwrap_or_default();
    Redirect::to(&format!("/admin/users/{username}?done={what}")).into_response()
}

pub async fn set_roles(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let f = match change(&docket, &viewer, form).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let target = match account(&docket, &viewer, &raw).await {
        Ok(a) => a,
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
    let accounts = Accounts::new(docket.clone());
    match accounts
        .set_roles(&target.username, roles, &viewer.principal.person, Timestamp::now())
        .await
    {
        Ok(_) => done(&raw, "roles"),
        Err(e) => account_error_page(&viewer, e),
    }
}

pub async fn disable(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let f = match change(&docket, &viewer, form).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let target = match account(&docket, &viewer, &raw).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let mut errors = FieldErrors::default();
    let reason = Text::parse(f.get("reason").trim())
        .map_err(|_| errors.add("reason", "Say why the account is disabled; the reason is kept in the log."))
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
    let accounts = Accounts::new(docket.clone());
    match accounts
        .disable(&target.username, reason, &viewer.principal.person, Timestamp::now())
        .await
    {
        Ok(_) => done(&raw, "disabled"),
        Err(e) => account_error_page(&viewer, e),
    }
}

pub async fn enable(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    if let Err(page) = change(&docket, &viewer, form).await {
        return page;
    }
    let target = match account(&docket, &viewer, &raw).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let accounts = Accounts::new(docket.clone());
    match accounts
        .enable(&target.username, &viewer.principal.person, Timestamp::now())
        .await
    {
        Ok(_) => done(&raw, "enabled"),
        Err(e) => account_error_page(&viewer, e),
    }
}

pub async fn reset_second_factor(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let f = match change(&docket, &viewer, form).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let target = match account(&docket, &viewer, &raw).await {
        Ok(a) => a,
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
