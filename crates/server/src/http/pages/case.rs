//! The case page: everything about one case that this person may see, its timeline (every
//! event and every view, with who, when and the reasons given), its clocks, and the forms
//! for the commands this person may use now. Someone who may see only a case's metadata
//! (oversight) gets that; someone who may see nothing gets the refusal, which is recorded.

use super::commands::{Shape, available, blank_forms};
use super::home::{Clock, clock};
use super::{Chrome, Viewer, api_error_page, error_page, render};
use crate::access::Target;
use crate::http::api::error::ApiError;
use crate::service::Docket;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_domain::case::{Case, day_of};
use docket_domain::command::Complainant;
use docket_domain::ids::CaseId;
use docket_domain::measure::MeasureKind;
use docket_domain::policy::Action;
use docket_domain::store::{StoredEvent, case_stream, codec::format_ts};
use docket_domain::summary::CaseSummary;
use docket_domain::view::{CasePart, views_stream};
use jiff::Timestamp;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// One line of the timeline.
#[derive(Debug)]
pub struct Moment {
    pub at: String,
    pub who: String,
    pub what: String,
    pub details: Vec<(String, String)>,
    pub view: bool,
}

#[derive(Debug)]
pub struct MeasureRow {
    pub number: u32,
    pub what: String,
    pub reasons: String,
    pub imposed: String,
    pub review_date: String,
    pub overdue: bool,
    pub state: String,
}

#[derive(Debug)]
pub struct FindingRow {
    pub charge: u32,
    pub proven: bool,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    reference: String,
    done: Option<String>,
    case: Case,
    complainant: Option<String>,
    clocks: Vec<Clock>,
    measures: Vec<MeasureRow>,
    findings: Vec<FindingRow>,
    sanction: Option<String>,
    contacts: Option<Vec<(String, String, String)>>,
    declarations: Option<Vec<(String, String, String)>>,
    responses: Option<Vec<(String, String)>>,
    timeline: Vec<Moment>,
    commands: Vec<Shape>,
    bundle: bool,
    evidence: Vec<crate::evidence::listing::Row>,
    may_add_evidence: bool,
    notices: Vec<docket_domain::notice::IssuedNotice>,
    party: bool,
    notice_base: String,
    /// The case's notices in the email outbox: number, to, address, state, attempts, last
    /// reason, queued at.
    email: Vec<(u32, &'static str, String, &'static str, u32, String, String)>,
    /// Other complaints about the respondent that the viewer may read; None when this
    /// server keeps no search index.
    linked: Option<Vec<super::search::ResultRow>>,
}

/// Other complaints about one member listed on a case page; the search page has them all.
const LINKED: usize = 20;

#[derive(Template)]
#[template(path = "case_metadata.html")]
struct MetadataPage {
    chrome: Chrome,
    reference: String,
    stage: String,
    category: String,
    received_on: String,
    clocks: Vec<Clock>,
    active_measures: u32,
    audit: bool,
}

// The error is the page to answer with, built at most once per request.
#[allow(clippy::result_large_err)]
pub(super) fn parse(chrome: &Chrome, raw: &str) -> Result<CaseId, Response> {
    CaseId::parse(raw).map_err(|e| error_page(chrome, StatusCode::NOT_FOUND, "No such case", &e))
}

/// The command names a `done` message may quote: only the forms' own.
fn done_label(done: Option<String>) -> Option<String> {
    let d = done?;
    // The upload is no command form, so it is not in the forms' table.
    if d == "add_evidence" {
        return Some("Evidence added. Its SHA-256 is recorded in the case's log.".into());
    }
    super::commands::specs()
        .iter()
        .find(|s| s.command == d)
        .map(|s| {
            format!(
                "Done: {}. It is recorded in the case's log.",
                s.label.to_lowercase()
            )
        })
}

pub async fn case_page(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let id = match parse(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match load(&docket, &viewer, &id, q.done).await {
        Ok(r) => r,
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

async fn load(
    docket: &Docket,
    viewer: &Viewer,
    id: &CaseId,
    done: Option<String>,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let p = &viewer.principal;
    let Some(case) = docket.load_case(id).await? else {
        return Err(ApiError::not_found(format!("There is no case {id}.")));
    };
    let may = docket.may(
        p,
        Target::Case(&case),
        &[
            Action::ViewCaseContent,
            Action::ViewCaseMetadata,
            Action::ViewAuditTrail,
        ],
    );
    if !may[0] && may[1] {
        return metadata_page(docket, viewer, id, may[2]).await;
    }
    // Asking for the file records the view, or the refusal.
    let also = [
        Action::ViewComplainantIdentity,
        Action::ViewContactRegister,
        Action::ViewDeclarations,
        Action::ViewResponse,
        Action::RecordDecision,
        Action::AddEvidence,
    ];
    let (case, allowed) = docket
        .open_case_asking(id, p, CasePart::File, &also, now)
        .await?;
    let today = day_of(now);
    for (part, shown) in [
        (CasePart::ContactRegister, allowed[1]),
        (CasePart::Declarations, allowed[2]),
    ] {
        // The policy allowed these parts when the file was opened, for this version of the
        // case; what is left is to record that they were shown.
        if shown {
            docket.record_view(id, &p.person, part, now).await?;
        }
    }
    let summary = CaseSummary::of(&case, &docket.rules, &docket.calendar);
    let clocks = [
        stopped(&case, true),
        clock(summary.stage_due, today, &docket.calendar, "Stage"),
        clock(
            summary.review_due,
            today,
            &docket.calendar,
            "Measure review",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut events = docket.store.stream_events(&case_stream(id)).await?;
    events.extend(docket.store.stream_events(&views_stream(id)).await?);
    events.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let timeline = events.iter().map(|e| moment(e, allowed[3])).collect();
    let commands = blank_forms(docket, &case, &available(docket, viewer, &case)).await?;
    let email = docket
        .store
        .outbox_rows(&docket_domain::store::OutboxFilter {
            case: Some(id.clone()),
            states: Vec::new(),
            limit: 1_000,
        })
        .await
        .map_err(crate::service::ServiceError::from)?
        .into_iter()
        .map(|r| {
            (
                r.message.notice,
                r.message.to.as_str(),
                r.message.address,
                r.state.as_str(),
                r.attempts,
                r.last_error.unwrap_or_default(),
                format_ts(r.queued_at),
            )
        })
        .collect();
    let linked = match docket.search {
        Some(_) => Some(
            docket
                .other_complaints_about(p, &case, LINKED)
                .await?
                .into_iter()
                .map(super::search::ResultRow::of)
                .collect(),
        ),
        None => None,
    };
    let page = CasePage {
        linked,
        email,
        chrome: viewer.chrome.clone(),
        reference: id.to_string(),
        done: done_label(done),
        complainant: allowed[0].then(|| complainant(&case.complainant)),
        clocks,
        measures: case
            .measures
            .iter()
            .map(|m| measure_row(m, today))
            .collect(),
        findings: case
            .decision
            .iter()
            .flat_map(|d| d.findings.iter())
            .map(|f| FindingRow {
                charge: f.charge,
                proven: f.proven,
                reasons: f.reasons.to_string(),
            })
            .collect(),
        sanction: case
            .decision
            .as_ref()
            .and_then(|d| d.sanction.as_ref())
            .map(|s| sanction_text(docket, s)),
        contacts: allowed[1].then(|| {
            case.contacts
                .iter()
                .map(|(at, by, c)| {
                    (
                        c.occurred_on.to_string(),
                        format!(
                            "{}{} ({:?}), recorded by {by} at {}",
                            c.who,
                            c.organisation
                                .as_ref()
                                .map(|o| format!(", {o}"))
                                .unwrap_or_default(),
                            c.channel,
                            format_ts(*at)
                        ),
                        c.summary.to_string(),
                    )
                })
                .collect()
        }),
        declarations: allowed[2].then(|| {
            case.conflicts
                .iter()
                .map(|c| {
                    (
                        c.person.to_string(),
                        c.interest.to_string(),
                        day_of(c.declared_at).to_string(),
                    )
                })
                .collect()
        }),
        responses: allowed[3].then(|| {
            case.responses
                .iter()
                .map(|(at, t)| (format_ts(*at), t.to_string()))
                .collect()
        }),
        bundle: allowed[4] || case.hearing.is_some(),
        evidence: crate::evidence::listing::rows(&case),
        may_add_evidence: allowed[5] && case.is_open(),
        notices: case.notices.clone(),
        party: false,
        notice_base: format!("/cases/{id}/notices"),
        timeline,
        commands,
        case,
    };
    Ok(render(StatusCode::OK, page))
}

async fn metadata_page(
    docket: &Docket,
    viewer: &Viewer,
    id: &CaseId,
    audit: bool,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let case = docket
        .open_case(id, &viewer.principal, CasePart::Metadata, now)
        .await?;
    let s = CaseSummary::of(&case, &docket.rules, &docket.calendar);
    let today = day_of(now);
    Ok(render(
        StatusCode::OK,
        MetadataPage {
            chrome: viewer.chrome.clone(),
            reference: id.to_string(),
            stage: s.stage.to_string(),
            category: s.category.clone(),
            received_on: s.received_on.to_string(),
            clocks: [
                stopped(&case, false),
                clock(s.stage_due, today, &docket.calendar, "Stage"),
                clock(s.review_due, today, &docket.calendar, "Measure review"),
            ]
            .into_iter()
            .flatten()
            .collect(),
            active_measures: s.active_measures,
            audit,
        },
    ))
}

fn complainant(c: &Complainant) -> String {
    match c {
        Complainant::Member { number, name } => format!("{name} (member {number})"),
        Complainant::ThirdParty {
            name, organisation, ..
        } => match organisation {
            Some(o) => format!("{name}, {o} (not a member)"),
            None => format!("{name} (not a member)"),
        },
        Complainant::Anonymous => "Anonymous (follows up with a receipt code)".into(),
    }
}

fn measure_row(m: &docket_domain::measure::Measure, today: jiff::civil::Date) -> MeasureRow {
    let what = match &m.kind {
        MeasureKind::AdministrativeSuspension { scope, .. } => format!(
            "Administrative suspension from: {}",
            scope
                .iter()
                .map(|r| format!("{r:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or("Measure")
            .replace('_', " "),
    };
    MeasureRow {
        number: m.number,
        what,
        reasons: m.reasons.to_string(),
        imposed: format!("{} by {}", day_of(m.imposed_at), m.imposed_by),
        review_date: m.review_date.to_string(),
        overdue: m.is_overdue(today),
        state: match &m.lifted {
            Some((at, why)) => format!("Lifted on {}: {why}", day_of(*at)),
            None if m.is_overdue(today) => "Active, review overdue".into(),
            None => format!("Active; reviewed {} times", m.reviews.len()),
        },
    }
}

pub fn sanction_text(docket: &Docket, s: &docket_domain::sanction::SanctionChoice) -> String {
    let name = docket
        .rules
        .sanction(&s.code)
        .map(|k| k.name.clone())
        .unwrap_or_else(|| s.code.clone());
    let mut out = name;
    if let Some(t) = s.term_months {
        out.push_str(&format!(" for {t} months"));
    }
    if let Some(d) = s.reapply_from {
        out.push_str(&format!("; may apply to rejoin from {d}"));
    }
    if !s.aggravating.is_empty() {
        out.push_str(&format!(
            ". Aggravating: {}",
            s.aggravating
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if !s.mitigating.is_empty() {
        out.push_str(&format!(
            ". Mitigating: {}",
            s.mitigating
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    out
}

/// Fields of an event worth a line on the timeline: the reasons and the words people gave.
const SHOWN: [&str; 22] = [
    "reasons",
    "reason",
    "number",
    "attempts",
    "subject",
    "due",
    "review_date",
    "outcome",
    "terms",
    "summary",
    "assessment",
    "instruction",
    "grounds",
    "interest",
    "investigator",
    "reviewer",
    "venue",
    "date",
    "verdict",
    "note",
    "filename",
    "sha256",
];

fn moment(e: &StoredEvent, show_response: bool) -> Moment {
    let view = e.stream.starts_with("views/");
    let mut details = Vec::new();
    if e.erased {
        details.push((
            "Content".into(),
            "erased under the retention rules; the log keeps its hash".into(),
        ));
    } else if let Ok(serde_json::Value::Object(o)) =
        serde_json::from_str::<serde_json::Value>(&e.payload)
    {
        // Reasons may sit one level down (a measure's, inside the measure).
        let nested = o.values().filter_map(|v| v.as_object());
        for (k, v) in SHOWN.iter().flat_map(|k| {
            std::iter::once(&o)
                .chain(nested.clone())
                .filter_map(move |m| m.get(*k).map(|v| (*k, v)))
        }) {
            {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                details.push((k.replace('_', " "), text));
            }
        }
        if view {
            for k in ["part", "action"] {
                if let Some(serde_json::Value::String(s)) = o.get(k) {
                    details.push((k.into(), s.replace('_', " ")));
                }
            }
            if let Some(serde_json::Value::Array(p)) = o.get("policies") {
                let names: Vec<String> = p
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect();
                details.push(("refused by".into(), names.join(", ")));
            }
        }
        if show_response && let Some(serde_json::Value::String(r)) = o.get("response") {
            details.push(("response".into(), r.clone()));
        }
    }
    Moment {
        at: format_ts(e.at),
        who: e.actor.clone(),
        what: e.kind.replace('_', " "),
        details,
        view,
    }
}

/// A stopped stage clock as the page says it: since when and by whom, and, for those who may
/// read the case, why (the reasons can be about someone's health: content, not metadata).
fn stopped(case: &Case, with_reasons: bool) -> Option<Clock> {
    let p = case.paused()?;
    let mut text = format!(
        "Stage clock stopped since {} by {}",
        docket_domain::case::day_of(p.from),
        p.by
    );
    if with_reasons {
        text.push_str(&format!(": {}", p.reasons));
    }
    Some(Clock {
        text,
        overdue: false,
    })
}
