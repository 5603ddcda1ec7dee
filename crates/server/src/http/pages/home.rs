//! Everyone's home page after signing in. Staff who may list cases get the queues: cases by
//! stage and by person, each with its clock, filters and a search box. Portal users are sent
//! to their portal; officeholders see the published figures and nothing about any case.
//!
//! The search matches references and membership numbers (metadata) for everyone who may list
//! cases, and case titles (content) only on cases the gate lets the searcher read. A title
//! shown on a matched row is a read of the case, recorded on it (at most a page of them). A case the searcher may not read is left out without a trace, so nobody learns that
//! it matched.

use super::{Chrome, Viewer, api_error_page, render};
use crate::access::Target;
use crate::http::api::error::ApiError;
use crate::service::{Docket, ServiceError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::Stage;
use docket_domain::calendar::Calendar;
use docket_domain::case::day_of;
use docket_domain::ids::PersonId;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use docket_domain::store::CaseFilter;
use docket_domain::summary::CaseSummary;
use docket_domain::view::CasePart;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;

/// Rows shown per page of a queue.
const PER_PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    stage: String,
    /// "me", "" (anyone) or a person id.
    #[serde(default)]
    person: String,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
}

/// A case's clock as a person reads it.
#[derive(Debug)]
pub struct Clock {
    pub text: String,
    pub overdue: bool,
}

/// "4 working days left", "12 working days overdue", or the review date's equivalent.
pub fn clock(due: Option<Date>, today: Date, calendar: &Calendar, what: &str) -> Option<Clock> {
    let due = due?;
    let left = calendar.working_days_between(today, due);
    Some(if due < today {
        let late = calendar.working_days_between(due, today);
        Clock {
            text: format!("{what} {late} working days overdue (due {due})"),
            overdue: true,
        }
    } else {
        Clock {
            text: format!("{what} due {due}: {left} working days left"),
            overdue: false,
        }
    })
}

#[derive(Debug)]
pub struct Row {
    pub reference: String,
    pub stage: String,
    pub category: String,
    pub received_on: String,
    pub people: String,
    pub clocks: Vec<Clock>,
    /// The case's title, when a search matched it (and the gate let the searcher read it).
    pub title: Option<String>,
}

impl Row {
    fn of(s: &CaseSummary, today: Date, calendar: &Calendar) -> Row {
        let clocks = [
            clock(s.stage_due, today, calendar, "Stage"),
            clock(s.review_due, today, calendar, "Measure review"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Row {
            reference: s.id.to_string(),
            stage: s.stage.to_string(),
            category: s.category.clone(),
            received_on: s.received_on.to_string(),
            people: s
                .assignments
                .iter()
                .map(|(p, f)| format!("{p} ({})", f.as_str().replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", "),
            clocks,
            title: None,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    stages: Vec<(String, String, usize)>,
    people: Vec<(String, usize)>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    stage: String,
    person: String,
    overdue: bool,
    open: bool,
    q: String,
    /// The query string of this filter without the page, for paging links.
    filter_query: String,
    problem: Option<String>,
    /// For the role overdue cases are escalated to (the rule book's `escalate_to`): its
    /// name, and the open cases past a time limit, most overdue first.
    escalated: Option<(String, Vec<Row>)>,
}

#[derive(Template)]
#[template(path = "officeholder_home.html")]
struct OfficeholderHome {
    chrome: Chrome,
    name: String,
    received: String,
    ended: String,
    open: String,
    open_share: String,
}

pub async fn home(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<HomeQuery>,
) -> Response {
    let p = &viewer.principal;
    if let Some(case) = &p.receipt_for {
        return Redirect::to(&format!("/portal/complaint/{case}")).into_response();
    }
    if !p.is_staff() && (p.has(Role::Complainant) || p.has(Role::Respondent)) {
        return Redirect::to("/portal").into_response();
    }
    let may_list = docket.may(p, Target::Organisation, &[Action::ListCases]) == [true];
    if !may_list {
        return officeholder_home(&docket, viewer).await;
    }
    match queues(&docket, &viewer, q).await {
        Ok(page) => render(StatusCode::OK, page),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

async fn officeholder_home(docket: &Docket, viewer: Viewer) -> Response {
    // The published report's figures, exactly as the public statistics page shows them.
    let period = crate::report::Period::to_date(day_of(Timestamp::now()));
    match docket.published_report(&period).await {
        Ok(r) => render(
            StatusCode::OK,
            OfficeholderHome {
                chrome: viewer.chrome,
                name: viewer.name,
                received: r.received.text(),
                ended: r.expelled_or_resigned.text(),
                open: r.open.text(),
                open_share: r.open_share.clone(),
            },
        ),
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}

async fn queues(docket: &Docket, viewer: &Viewer, q: HomeQuery) -> Result<HomePage, ApiError> {
    let now = Timestamp::now();
    docket
        .authorize(
            &viewer.principal,
            Action::ListCases,
            Target::Organisation,
            now,
        )
        .await?;
    let today = day_of(now);
    let mut problem = None;
    let stage = if q.stage.is_empty() {
        None
    } else {
        let s = Stage::parse(&q.stage);
        if s.is_none() {
            problem = Some(format!("There is no stage called '{}'.", q.stage));
        }
        s
    };
    let person = match q.person.as_str() {
        "" => None,
        "me" => Some(viewer.principal.person.clone()),
        other => match PersonId::parse(other) {
            Ok(p) => Some(p),
            Err(e) => {
                problem = Some(format!("Person: {e}"));
                None
            }
        },
    };
    // A filter form submitted without "open only" ticked means all cases; the first visit
    // (no filter at all) shows open ones.
    let first_visit = q.stage.is_empty()
        && q.person.is_empty()
        && q.q.is_empty()
        && q.overdue.is_none()
        && q.open.is_none()
        && q.page.is_none();
    let open = first_visit || q.open.is_some();
    let overdue = q.overdue.is_some();
    let all_open = docket
        .store
        .list_cases(&CaseFilter {
            open_only: open,
            ..CaseFilter::default()
        })
        .await?;
    // The queues' counts are over every case the filter's "open" covers; the table narrows.
    let mut stages: Vec<(String, String, usize)> = Vec::new();
    for s in Stage::ALL {
        let n = all_open.iter().filter(|c| c.stage == s).count();
        if n > 0 {
            stages.push((s.as_str().to_string(), s.to_string(), n));
        }
    }
    let mut by_person: std::collections::BTreeMap<String, usize> = Default::default();
    for c in &all_open {
        for (p, _) in &c.assignments {
            *by_person.entry(p.to_string()).or_default() += 1;
        }
    }
    let escalated = viewer.principal.has(docket.rules.escalate_to).then(|| {
        let mut late: Vec<&CaseSummary> = all_open
            .iter()
            .filter(|c| c.open && c.is_overdue(today))
            .collect();
        late.sort_by_key(|c| [c.stage_due, c.review_due].into_iter().flatten().min());
        (
            docket.rules.escalate_to.as_str().replace('_', " "),
            late.into_iter()
                .map(|c| Row::of(c, today, &docket.calendar))
                .collect(),
        )
    });
    let filtered = all_open
        .iter()
        .filter(|c| stage.is_none_or(|s| c.stage == s))
        .filter(|c| {
            person
                .as_ref()
                .is_none_or(|p| c.assignments.iter().any(|(h, _)| h == p))
        })
        .filter(|c| !overdue || c.is_overdue(today));
    let (mut rows, titled) = search(docket, viewer, filtered, &q.q).await?;
    // Most urgent first: overdue, then by the nearest due date, then oldest.
    rows.sort_by_key(|c| {
        let due = [c.stage_due, c.review_due].into_iter().flatten().min();
        (!c.is_overdue(today), due.is_none(), due, c.received_on)
    });
    let total = rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<&CaseSummary> = rows
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let mut rows = Vec::with_capacity(shown.len());
    for s in shown {
        let mut row = Row::of(s, today, &docket.calendar);
        // A title shown is a title read: recorded on its case, one page of rows at most, so
        // a search for a common word costs a page of writes, not one per case it matched.
        if titled.contains(&s.id) {
            docket
                .record_view(&s.id, &viewer.principal.person, CasePart::Title, now)
                .await?;
            row.title = Some(s.title.clone());
        }
        rows.push(row);
    }
    let mut filter = form_urlencoded(&[
        ("stage", q.stage.as_str()),
        ("person", q.person.as_str()),
        ("q", q.q.as_str()),
    ]);
    if open {
        filter.push_str("&open=on");
    }
    if overdue {
        filter.push_str("&overdue=on");
    }
    Ok(HomePage {
        chrome: viewer.chrome.clone(),
        name: viewer.name.clone(),
        stages,
        people: by_person.into_iter().collect(),
        rows,
        total,
        page,
        pages,
        stage: q.stage,
        person: q.person,
        overdue,
        open,
        q: q.q,
        filter_query: filter,
        problem,
        escalated,
    })
}

/// The rows a search keeps, and which of them matched by title. Without a search every row
/// is kept. A reference or membership number matches by its text; a title matches by its
/// words, case ignored, and only on a case the gate lets `viewer` read (the caller records
/// the titles it shows).
async fn search<'a>(
    docket: &Docket,
    viewer: &Viewer,
    rows: impl Iterator<Item = &'a CaseSummary>,
    q: &str,
) -> Result<(Vec<&'a CaseSummary>, Vec<docket_domain::ids::CaseId>), ServiceError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok((rows.collect(), Vec::new()));
    }
    let upper = q.to_uppercase();
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    let mut kept = Vec::new();
    let mut titled = Vec::new();
    for c in rows {
        if c.id.to_string().contains(&upper) || c.respondent.to_string().contains(&upper) {
            kept.push(c);
            continue;
        }
        let title = c.title.to_lowercase();
        if !words.iter().all(|w| title.contains(w.as_str())) {
            continue;
        }
        let Some(case) = docket.load_case(&c.id).await? else {
            continue;
        };
        let action = crate::access::read_action(CasePart::Title);
        if docket.may(&viewer.principal, Target::Case(&case), &[action]) != [true] {
            continue;
        }
        kept.push(c);
        titled.push(c.id.clone());
    }
    Ok((kept, titled))
}

/// `k=v&…` with values percent-encoded, for links that keep a filter.
pub fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}
