//! Administrators' pages: accounts and roles (`admin_users`), the membership import
//! (`admin_members`) and the rule book. Administrators manage people and configuration and
//! never see case content; every change goes through the same accounts service and the same
//! events as `docket users …` on the command line.

use super::oversight::gate;
use super::{Chrome, Viewer, render};
use crate::access::Target;
use crate::service::Docket;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use docket_domain::Stage;
use docket_domain::policy::Action;

pub fn routes() -> Router<Docket> {
    use super::{admin_account as account, admin_members as members, admin_users as users};
    Router::new()
        .route("/admin", get(index))
        .route("/admin/rulebook", get(rulebook))
        .route("/admin/users", get(users::list))
        .route("/admin/users/new", get(users::new_form).post(users::create))
        .route("/admin/users/{username}", get(account::show))
        .route("/admin/users/{username}/roles", post(account::set_roles))
        .route("/admin/users/{username}/disable", post(account::disable))
        .route("/admin/users/{username}/enable", post(account::enable))
        .route(
            "/admin/users/{username}/second-factor",
            post(account::reset_second_factor),
        )
        .route(
            "/admin/members/import",
            get(members::form)
                .post(members::import)
                // A membership list is far larger than any other form; the rest of the
                // site keeps the small limit.
                .layer(DefaultBodyLimit::max(members::MAX_UPLOAD)),
        )
}

#[derive(Template)]
#[template(path = "admin.html")]
struct Index {
    chrome: Chrome,
    users: bool,
    manage: bool,
    import: bool,
}

pub async fn index(State(docket): State<Docket>, viewer: Viewer) -> Response {
    let may = docket.may(
        &viewer.principal,
        Target::Organisation,
        &[
            Action::ViewUsers,
            Action::ManageUsers,
            Action::ImportMembers,
        ],
    );
    if !may.contains(&true) {
        // Asked properly, so the refusal is recorded and its policy named.
        if let Err(page) = gate(&docket, &viewer, Action::ViewUsers).await {
            return page;
        }
    }
    render(
        StatusCode::OK,
        Index {
            chrome: viewer.chrome.clone(),
            users: may[0],
            manage: may[1],
            import: may[2],
        },
    )
}

struct ClauseRow {
    id: String,
    title: String,
    versions: Vec<VersionRow>,
}

struct VersionRow {
    version: u32,
    in_force: String,
    current: bool,
    text: String,
}

struct SanctionRow {
    code: String,
    name: String,
    term: String,
    ends_membership: String,
}

#[derive(Template)]
#[template(path = "admin_rulebook.html")]
struct RuleBookPage {
    chrome: Chrome,
    organisation: String,
    clauses: Vec<ClauseRow>,
    categories: Vec<(String, String, bool)>,
    sanctions: Vec<SanctionRow>,
    time_limits: Vec<(String, String)>,
    hearing_panel: u8,
    appeal_panel: u8,
    review_every: u32,
    whip_needs_instruction: bool,
}

/// The rule book as loaded. It is the organisation's published rules (what charges cite),
/// holding nothing about any case or person, so every signed-in member of staff may read
/// it; changing it is a change to the configuration file, outside the web application.
pub async fn rulebook(State(docket): State<Docket>, viewer: Viewer) -> Response {
    if !viewer.is_staff() {
        return super::error_page(
            &viewer.chrome,
            StatusCode::FORBIDDEN,
            "Not available",
            "The rule book page is for staff. Your case's notices quote the clauses that concern you.",
        );
    }
    let rules = &docket.rules;
    let today = docket_domain::case::day_of(jiff::Timestamp::now());
    let clauses = rules
        .clauses
        .iter()
        .map(|c| ClauseRow {
            id: c.id.to_string(),
            title: c.title.clone(),
            versions: c
                .versions
                .iter()
                .map(|v| VersionRow {
                    version: v.version,
                    in_force: match v.in_force_until {
                        Some(until) => format!(
                            "from {} until {} (last day {})",
                            v.in_force_from,
                            until,
                            until.yesterday().unwrap_or(until)
                        ),
                        None => format!("from {}", v.in_force_from),
                    },
                    current: v.in_force_from <= today && v.in_force_until.is_none_or(|u| today < u),
                    text: v.text.clone(),
                })
                .collect(),
        })
        .collect();
    let months = |n: u32| {
        if n == 1 {
            "1 month".to_string()
        } else {
            format!("{n} months")
        }
    };
    let sanctions = rules
        .sanctions
        .iter()
        .map(|s| SanctionRow {
            code: s.code.clone(),
            name: s.name.clone(),
            term: match (s.live_months, s.max_term_months) {
                (Some(m), _) => format!("live for {}", months(m)),
                (None, Some(m)) => format!("a term of up to {} chosen by the panel", months(m)),
                (None, None) => "no fixed period".to_string(),
            },
            ends_membership: match (s.ends_membership, s.min_reapply_months) {
                (true, Some(m)) => format!("yes; may reapply after {}", months(m)),
                (true, None) => "yes".to_string(),
                (false, _) => "no".to_string(),
            },
        })
        .collect();
    let time_limits = Stage::ALL
        .iter()
        .filter_map(|s| {
            rules
                .time_limits
                .for_stage(*s)
                .map(|d| (s.to_string(), format!("{} working days", d.0)))
        })
        .collect();
    render(
        StatusCode::OK,
        RuleBookPage {
            chrome: viewer.chrome.clone(),
            organisation: rules.organisation.clone(),
            clauses,
            categories: rules
                .categories
                .iter()
                .map(|c| (c.code.clone(), c.name.clone(), c.independent_review))
                .collect(),
            sanctions,
            time_limits,
            hearing_panel: rules.panels.hearing,
            appeal_panel: rules.panels.appeal,
            review_every: rules.interim_measures.review_every.0,
            whip_needs_instruction: rules.interim_measures.whip_requires_leader_instruction,
        },
    )
}
