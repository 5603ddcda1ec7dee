//! Oversight's pages: the figures that show whether the process runs on time, the contact
//! register across cases, and every refused attempt to open something. Everything passes
//! the policy gate first, which refuses (and records) anyone it does not let read metadata;
//! nothing here shows case content.
//!
//! The checkpoint history and the verification run are in `oversight_log`.

use super::{Chrome, Viewer, api_error_page, render};
use crate::access::Target;
use crate::http::api::error::ApiError;
use crate::service::{Docket, ServiceError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_domain::case::{Case, day_of};
use docket_domain::contact::Channel;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::measure::{Measure, MeasureKind};
use docket_domain::policy::Action;
use docket_domain::store::{CaseFilter, StoredEvent};
use docket_domain::summary::CaseSummary;
use docket_domain::view::{CasePart, DENIALS_STREAM, ViewEvent, views_stream};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Rows per page of the long lists.
const PER_PAGE: usize = 50;

/// Which page of a list, from the query string. Anything that is not a page number is the
/// first page: a page never fails over a mistyped link.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

impl PageQuery {
    pub fn number(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(1)
    }
}

/// Where a list is, page by page.
#[derive(Debug, Clone, Copy)]
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl Pager {
    pub fn new(asked: usize, total: usize, per_page: usize) -> Pager {
        let pages = total.div_ceil(per_page).max(1);
        Pager {
            page: asked.clamp(1, pages),
            pages,
            total,
        }
    }

    /// This page of `all`.
    pub fn cut<T>(&self, all: Vec<T>, per_page: usize) -> Vec<T> {
        all.into_iter()
            .skip((self.page - 1) * per_page)
            .take(per_page)
            .collect()
    }
}

/// Asks the gate about the organisation; a refusal is recorded and shown as a page naming
/// the policy.
pub async fn gate(docket: &Docket, viewer: &Viewer, action: Action) -> Result<(), Response> {
    docket
        .authorize(
            &viewer.principal,
            action,
            Target::Organisation,
            Timestamp::now(),
        )
        .await
        .map_err(|e| api_error_page(&viewer.chrome, e.into()))
}

/// People as colleagues know them: "Tess Wright (oversight.tess-wright)".
pub async fn people(docket: &Docket) -> Result<HashMap<String, String>, ApiError> {
    Ok(docket
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| {
            (
                a.person.to_string(),
                format!("{} ({})", a.display_name, a.username),
            )
        })
        .collect())
}

fn named(people: &HashMap<String, String>, person: &str) -> String {
    match person {
        "docket:system" => "Docket (recorded automatically)".to_string(),
        p => people.get(p).cloned().unwrap_or_else(|| p.to_string()),
    }
}

// ------------------------------------ dashboard ------------------------------------

struct StageRow {
    label: String,
    cases: u64,
    open: bool,
    overdue: usize,
}

struct CategoryRow {
    name: String,
    cases: usize,
    open: usize,
    overdue: usize,
}

struct MeasureRow {
    reference: String,
    kind: String,
    since: String,
    days: i64,
    review: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "oversight.html")]
struct Dashboard {
    chrome: Chrome,
    today: String,
    members: String,
    cases: String,
    open: String,
    open_share: String,
    overdue: usize,
    stage_overdue: usize,
    review_overdue: usize,
    oldest_open_days: i64,
    median_open_days: i64,
    stages: Vec<StageRow>,
    categories: Vec<CategoryRow>,
    measures: Vec<MeasureRow>,
    cases_with_measures: usize,
    longest_measure_days: i64,
    median_measure_days: i64,
    /// Cases with measures the viewer may not see (they declared a conflict in them).
    measures_hidden: usize,
    /// Per age band: its label, open cases, measures in force.
    ageing: Vec<(&'static str, usize, usize)>,
    /// What the schedule escalated on open cases: reference, when, what. Newest first.
    escalations: Vec<(String, String, String)>,
    ageing_svg: String,
    /// The email outbox: its counts, and why it is stalled if it is.
    outbox: crate::outbox::Health,
}

pub async fn dashboard(State(docket): State<Docket>, viewer: Viewer) -> Response {
    for action in [Action::ViewStatistics, Action::ListCases] {
        if let Err(page) = gate(&docket, &viewer, action).await {
            return page;
        }
    }
    match figures(&docket, &viewer).await {
        Ok(page) => render(StatusCode::OK, page),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

fn median(mut xs: Vec<i64>) -> i64 {
    xs.sort_unstable();
    xs.get(xs.len() / 2).copied().unwrap_or(0)
}

fn days_between(from: Date, to: Date) -> i64 {
    i64::from((to - from).get_days())
}

async fn figures(docket: &Docket, viewer: &Viewer) -> Result<Dashboard, ApiError> {
    let today = day_of(Timestamp::now());
    // The counts by stage come from their own read model; the rest from the case summaries,
    // one row per case, which hold no content.
    let headline = crate::figures::Headline::read(docket.store.as_ref()).await?;
    let all = docket.store.list_cases(&CaseFilter::default()).await?;
    let (stage_counts, members, cases, open) = (
        &headline.stages,
        headline.members,
        headline.cases,
        headline.open,
    );
    let open_rows: Vec<&CaseSummary> = all.iter().filter(|c| c.open).collect();
    let overdue_in = |rows: &mut dyn Iterator<Item = &&CaseSummary>| {
        rows.filter(|c| c.is_overdue(today)).count()
    };

    let stages = stage_counts
        .iter()
        .map(|(stage, n)| StageRow {
            label: stage.to_string(),
            cases: *n,
            open: stage.is_open(),
            overdue: overdue_in(&mut open_rows.iter().filter(|c| c.stage == *stage)),
        })
        .collect();

    let mut by_category: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for c in &all {
        let e = by_category.entry(c.category.as_str()).or_default();
        e.0 += 1;
        if c.open {
            e.1 += 1;
            if c.is_overdue(today) {
                e.2 += 1;
            }
        }
    }
    let categories = by_category
        .into_iter()
        .map(|(code, (cases, open, overdue))| CategoryRow {
            name: docket
                .rules
                .category(code)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| code.to_string()),
            cases,
            open,
            overdue,
        })
        .collect();

    let ages: Vec<i64> = open_rows
        .iter()
        .map(|c| days_between(c.received_on, today))
        .collect();

    // Only cases holding an active measure, or overdue (where escalations sit), are folded:
    // the summaries say which, and the case cache keeps them afterwards.
    let mut measures = Vec::new();
    let mut cases_with_measures = 0;
    let mut measures_hidden = 0;
    let mut escalated = Vec::new();
    for s in all
        .iter()
        .filter(|c| c.active_measures > 0 || (c.open && c.is_overdue(today)))
    {
        let Some(case) = docket.load_case(&s.id).await? else {
            continue;
        };
        let may = docket.may(
            &viewer.principal,
            Target::Case(&case),
            &[Action::ViewCaseMetadata],
        );
        let holds_measures = s.active_measures > 0;
        if may != [true] {
            measures_hidden += usize::from(holds_measures);
            continue;
        }
        if holds_measures {
            cases_with_measures += 1;
            measures.extend(
                case.active_measures()
                    .map(|m| measure_row(&case.id, m, today)),
            );
        }
        if case.is_open() {
            for e in &case.escalations {
                escalated.push((e.at, case.id.to_string(), e.what.clone()));
            }
        }
    }
    measures.sort_by_key(|m: &MeasureRow| std::cmp::Reverse(m.days));
    escalated.sort_by_key(|e| std::cmp::Reverse(e.0));
    let escalations = escalated
        .into_iter()
        .map(|(at, reference, what)| (reference, day_of(at).to_string(), what))
        .collect();
    let aged = docket.ageing(today).await?;
    let ageing = docket_domain::ageing::Band::ALL
        .iter()
        .map(|b| (b.label(), aged.cases.count(*b), aged.measures.count(*b)))
        .collect();
    let measure_days: Vec<i64> = measures.iter().map(|m| m.days).collect();

    Ok(Dashboard {
        chrome: viewer.chrome.clone(),
        today: today.to_string(),
        members: crate::figures::thousands(members),
        cases: crate::figures::thousands(cases),
        open: crate::figures::thousands(open),
        open_share: headline.open_share(),
        overdue: overdue_in(&mut open_rows.iter()),
        stage_overdue: open_rows.iter().filter(|c| c.stage_overdue(today)).count(),
        review_overdue: open_rows.iter().filter(|c| c.review_overdue(today)).count(),
        oldest_open_days: ages.iter().copied().max().unwrap_or(0),
        median_open_days: median(ages),
        stages,
        categories,
        cases_with_measures,
        longest_measure_days: measure_days.iter().copied().max().unwrap_or(0),
        median_measure_days: median(measure_days),
        measures,
        measures_hidden,
        ageing,
        ageing_svg: aged.svg(),
        escalations,
        outbox: docket.outbox_health(Timestamp::now(), true).await?,
    })
}

fn measure_row(case: &CaseId, m: &Measure, today: Date) -> MeasureRow {
    let since = day_of(m.imposed_at);
    // The latest review sets the date the measure runs to now.
    let review = m
        .reviews
        .last()
        .map(|r| r.next_review)
        .unwrap_or(m.review_date)
        .max(m.review_date);
    MeasureRow {
        reference: case.to_string(),
        kind: match &m.kind {
            MeasureKind::AdministrativeSuspension { scope } => format!(
                "Administrative suspension ({})",
                scope
                    .iter()
                    .map(|r| r.words())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            MeasureKind::WhipWithdrawal { .. } => "Whip withdrawn".to_string(),
        },
        since: since.to_string(),
        days: days_between(since, today),
        review: review.to_string(),
        overdue: m.is_overdue(today),
    }
}

// ------------------------------------ contacts ------------------------------------

struct ContactRow {
    reference: String,
    recorded_at: String,
    recorded_by: String,
    who: String,
    organisation: String,
    channel: &'static str,
    occurred_on: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "oversight_contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    rows: Vec<ContactRow>,
    pager: Pager,
    /// Cases left out because the viewer may not read their register (a declared conflict).
    hidden: usize,
}

fn channel(c: Channel) -> &'static str {
    match c {
        Channel::Phone => "Phone",
        Channel::Email => "Email",
        Channel::Letter => "Letter",
        Channel::InPerson => "In person",
        Channel::Message => "Message",
        Channel::Other => "Other",
    }
}

pub async fn contacts(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewContactRegister).await {
        return page;
    }
    match contact_rows(&docket, &viewer, q.number()).await {
        Ok(page) => render(StatusCode::OK, page),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

/// Every case's register, newest entry first. The registers live in the cases' events, so
/// every case is folded (from the case cache after the first time). The cases whose entries
/// this page shows get a view of their register recorded, as opening each would.
async fn contact_rows(
    docket: &Docket,
    viewer: &Viewer,
    page: usize,
) -> Result<ContactsPage, ApiError> {
    let people = people(docket).await?;
    let mut entries: Vec<(Timestamp, CaseId, PersonId, docket_domain::contact::Contact)> =
        Vec::new();
    let mut hidden = 0;
    for s in docket.store.list_cases(&CaseFilter::default()).await? {
        let Some(case) = docket.load_case(&s.id).await? else {
            continue;
        };
        if case.contacts.is_empty() {
            continue;
        }
        if !may_read_register(docket, viewer, &case) {
            hidden += 1;
            continue;
        }
        for (at, by, contact) in case.contacts {
            entries.push((at, case.id.clone(), by, contact));
        }
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let pager = Pager::new(page, entries.len(), PER_PAGE);
    let shown = pager.cut(entries, PER_PAGE);
    let mut opened: Vec<&CaseId> = shown.iter().map(|e| &e.1).collect();
    opened.sort();
    opened.dedup();
    let now = Timestamp::now();
    for id in opened {
        docket
            .record_view(id, &viewer.principal.person, CasePart::ContactRegister, now)
            .await?;
    }
    let rows = shown
        .into_iter()
        .map(|(at, case, by, c)| ContactRow {
            reference: case.to_string(),
            recorded_at: minute(at),
            recorded_by: named(&people, by.as_str()),
            who: c.who.to_string(),
            organisation: c.organisation.map(|o| o.to_string()).unwrap_or_default(),
            channel: channel(c.channel),
            occurred_on: c.occurred_on.to_string(),
            summary: c.summary.to_string(),
        })
        .collect();
    Ok(ContactsPage {
        chrome: viewer.chrome.clone(),
        rows,
        pager,
        hidden,
    })
}

fn may_read_register(docket: &Docket, viewer: &Viewer, case: &Case) -> bool {
    docket.may(
        &viewer.principal,
        Target::Case(case),
        &[Action::ViewContactRegister],
    ) == [true]
}

/// A moment as people read it in a table: to the minute, in UTC.
pub fn minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

// ------------------------------------ denials ------------------------------------

struct DenialRow {
    at: String,
    who: String,
    action: String,
    reference: Option<String>,
    policies: String,
}

#[derive(Template)]
#[template(path = "oversight_denials.html")]
struct DenialsPage {
    chrome: Chrome,
    rows: Vec<DenialRow>,
    pager: Pager,
    cases_with_denials: usize,
}

pub async fn denials(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Response {
    if let Err(page) = gate(&docket, &viewer, Action::ViewAuditTrail).await {
        return page;
    }
    match denial_rows(&docket, &viewer, q.number()).await {
        Ok(page) => render(StatusCode::OK, page),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

/// Refusals are kept where they happened: on the organisation's denials stream, or on the
/// views stream of the case asked about. Each stream is read (events only, no folding) and
/// the refusals merged newest first. Reading them records nothing on the cases: this is the
/// log's metadata about access, not the case file.
async fn denial_rows(
    docket: &Docket,
    viewer: &Viewer,
    page: usize,
) -> Result<DenialsPage, ApiError> {
    let people = people(docket).await?;
    let mut streams = vec![DENIALS_STREAM.to_string()];
    streams.extend(
        docket
            .store
            .list_cases(&CaseFilter::default())
            .await?
            .iter()
            .map(|s| views_stream(&s.id)),
    );
    let mut found: Vec<(StoredEvent, Option<CaseId>, String, Vec<String>)> = Vec::new();
    for stream in streams {
        for e in docket.store.stream_events(&stream).await? {
            if e.kind != "access_denied" || e.erased {
                continue;
            }
            let event: ViewEvent = serde_json::from_str(&e.payload).map_err(|err| {
                ApiError::from(ServiceError::Corrupt(format!("event {}: {err}", e.seq)))
            })?;
            if let ViewEvent::AccessDenied {
                case,
                action,
                policies,
            } = event
            {
                found.push((e, case, action, policies));
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0.seq));
    let mut cases: Vec<&CaseId> = found.iter().filter_map(|f| f.1.as_ref()).collect();
    cases.sort();
    cases.dedup();
    let cases_with_denials = cases.len();
    let pager = Pager::new(page, found.len(), PER_PAGE);
    let rows = pager
        .cut(found, PER_PAGE)
        .into_iter()
        .map(|(e, case, action, policies)| DenialRow {
            at: minute(e.at),
            who: named(&people, &e.actor),
            action: action.replace('_', " "),
            reference: case.map(|c| c.to_string()),
            policies: if policies.is_empty() {
                "no policy permits it".to_string()
            } else {
                policies.join(", ")
            },
        })
        .collect();
    Ok(DenialsPage {
        chrome: viewer.chrome.clone(),
        rows,
        pager,
        cases_with_denials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped_and_cut() {
        let p = Pager::new(9, 120, 50);
        assert_eq!((p.page, p.pages, p.total), (3, 3, 120));
        assert_eq!(
            p.cut((0..120).collect(), 50),
            (100..120).collect::<Vec<_>>()
        );
        assert_eq!(Pager::new(0, 0, 50).pages, 1);
        let q = PageQuery {
            page: Some("two".into()),
        };
        assert_eq!(q.number(), 1);
        assert_eq!(median(vec![5, 1, 9]), 5);
        assert_eq!(median(vec![]), 0);
    }
}
