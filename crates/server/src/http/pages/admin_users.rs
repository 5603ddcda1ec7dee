//! Accounts as administrators manage them: the list (filtered and paged like
//! `GET /api/v1/users`) and creating an account; one account's page and its changes are in
//! `admin_account`. Each change checks the form's token, asks the gate for `manage_users`
//! and goes through `Accounts`, so the log records it exactly as `docket users …` does.

use super::oversight::{PageQuery, Pager, gate};
use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::accounts::{AccountError, Accounts, NewAccount, password};
use crate::service::Docket;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_domain::account::{Account, Username};
use docket_domain::ids::{MembershipNumber, PersonId};
use docket_domain::policy::Action;
use docket_domain::role::Role;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeSet;

const PER_PAGE: usize = 50;

/// A submitted form's fields by name. Read as pairs, because role checkboxes each have a
/// name of their own and an absent box is simply not sent.
pub(super) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The form's fields, or a page saying the submission could not be read.
    #[allow(clippy::result_large_err)] // the page is what the handler answers with
    pub(super) fn of(
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

    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The roles whose boxes were ticked (`role_case_officer` and so on).
    pub(super) fn roles(&self) -> BTreeSet<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| !self.get(&format!("role_{}", r.as_str())).is_empty())
            .collect()
    }
}

fn role_name(r: Role) -> String {
    r.as_str().replace('_', " ")
}

pub(super) fn role_list(roles: &BTreeSet<Role>) -> String {
    roles
        .iter()
        .map(|r| role_name(*r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checkbox of the roles fieldset.
pub(super) struct RoleBox {
    pub(super) code: &'static str,
    pub(super) label: String,
    pub(super) checked: bool,
}

pub(super) fn role_boxes(checked: &BTreeSet<Role>) -> Vec<RoleBox> {
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
    let name = errors.required(
        "name",
        f.get("name"),
        "the person's name as colleagues know it",
    );
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
            errors.add(
                "username",
                format!("There is already an account called {u}."),
            );
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

pub(super) fn account_error_page(viewer: &Viewer, e: AccountError) -> Response {
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
