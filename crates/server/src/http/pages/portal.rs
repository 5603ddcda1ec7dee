//! The parties' portal: a complainant follows their complaint and writes to the case officer;
//! a respondent reads the allegations, answers them (naming a companion), sees the hearing
//! notice and the decision, and may appeal while the window is open.
//!
//! Every page opens the case through the gate with the part the party may see (the complaint,
//! or the allegations), so each view is recorded; each form is offered only when the policy
//! and the stage allow it, and doing it still passes the gate.

use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::access::Target;
use crate::http::api::cases::{AllegationsView, ComplaintView};
use crate::http::api::error::ApiError;
use crate::service::{Docket, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use docket_domain::case::{Case, Message, day_of};
use docket_domain::command::Complainant;
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, Text};
use docket_domain::measure::{MeasureKind, Right};
use docket_domain::policy::Action;
use docket_domain::role::Role;
use docket_domain::sanction::SanctionChoice;
use docket_domain::store::CaseFilter;
use docket_domain::view::CasePart;
use docket_domain::{Command, Stage};
use jiff::Timestamp;
use serde::Deserialize;

mod respondent;

pub fn routes() -> Router<Docket> {
    Router::new()
        .route("/portal", get(list))
        .route("/portal/complaint/{reference}", get(complaint))
        .route("/portal/complaint/{reference}/reply", post(complaint_reply))
        .route("/portal/case/{reference}", get(respondent::case))
        .route(
            "/portal/case/{reference}/{form}",
            post(respondent::case_form),
        )
}

/// What each stage means to a party, in plain words.
pub fn stage_words(stage: Stage) -> &'static str {
    match stage {
        Stage::Received => "The complaint was received.",
        Stage::Acknowledged => "A case officer acknowledged the complaint.",
        Stage::Assessed => "The complaint was assessed, to decide how it should be dealt with.",
        Stage::Dismissed => "The complaint was dismissed. The reasons are given below.",
        Stage::InformalResolution => {
            "A case officer is trying to resolve the complaint informally."
        }
        Stage::Resolved => "The complaint was resolved informally.",
        Stage::Investigation => "An investigation was opened.",
        Stage::DraftReport => "The investigator wrote a draft report.",
        Stage::AccuracyCheck => "The draft report is being checked for accuracy.",
        Stage::NoFurtherAction => {
            "It was decided to take no further action. The reasons are given below."
        }
        Stage::Charged => "Charges were brought under the rule book.",
        Stage::Hearing => "A hearing was arranged.",
        Stage::Decided => "The hearing panel reached its decision.",
        Stage::IndependentReview => "The decision went to an independent reviewer.",
        Stage::AppealWindow => {
            "The outcome was sent out; it may be appealed within the time allowed."
        }
        Stage::Appeal => "An appeal was lodged.",
        Stage::Final => "The outcome is final.",
        Stage::SanctionLive => "The sanction took effect.",
        Stage::SanctionExpired => "The sanction has ended.",
        Stage::Withdrawn => "The complaint was withdrawn.",
        Stage::Merged => "The complaint was joined with another case about the same events.",
        Stage::RespondentResigned => {
            "The member complained about left the organisation; the case stops unless they rejoin."
        }
    }
}

/// A case reference from the address, or None for a page saying there is no such case.
fn reference(raw: &str) -> Option<CaseId> {
    CaseId::parse(raw).ok()
}

fn no_such_case(chrome: &Chrome) -> Response {
    error_page(
        chrome,
        StatusCode::NOT_FOUND,
        "No such case",
        "That is not a case reference. References look like DK-7KQ2-M9XA.",
    )
}

fn sanction_words(docket: &Docket, s: &SanctionChoice) -> String {
    let mut out = docket
        .rules
        .sanction(&s.code)
        .map(|k| k.name.clone())
        .unwrap_or_else(|| s.code.replace('_', " "));
    if let Some(m) = s.term_months {
        out.push_str(&format!(" for {m} months"));
    }
    if let Some(d) = s.reapply_from {
        out.push_str(&format!("; may apply to rejoin from {d}"));
    }
    out
}

fn category_name(docket: &Docket, code: &str) -> String {
    docket
        .rules
        .category(code)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| code.replace('_', " "))
}

#[derive(Debug)]
pub struct MessageRow {
    pub on: String,
    pub from: &'static str,
    pub body: String,
}

fn message_rows(messages: &[Message]) -> Vec<MessageRow> {
    messages
        .iter()
        .map(|m| MessageRow {
            on: day_of(m.at).to_string(),
            from: if m.from_party { "You" } else { "Case officer" },
            body: m.body.to_string(),
        })
        .collect()
}

/// A text field of a form: trimmed text, or the problem beside it.
fn required_text(e: &mut FieldErrors, field: &str, raw: &str, what: &str) -> Option<Text> {
    if raw.trim().is_empty() {
        e.add(field, format!("Enter {what}."));
        return None;
    }
    Text::parse(raw)
        .map_err(|why| e.add(field, format!("This is too long: {why}.")))
        .ok()
}

/// The outcome of running a party's command: on to the page again, or a page saying why not.
enum Ran {
    Done,
    /// The process refused it (stage, window): shown above the form, with what was typed.
    Refused(String),
    Failed(Response),
}

async fn run(docket: &Docket, viewer: &Viewer, id: &CaseId, cmd: Command) -> Ran {
    match docket
        .execute_as(id, cmd, &viewer.principal, Timestamp::now())
        .await
    {
        Ok(_) => Ran::Done,
        Err(ServiceError::Rule(v)) => Ran::Refused(format!("{v}.")),
        Err(e) => Ran::Failed(api_error_page(&viewer.chrome, e.into())),
    }
}

// ------------------------------------------------------------------ the list

#[derive(Debug)]
struct Row {
    reference: String,
    href: String,
    role: &'static str,
    stage: &'static str,
    received_on: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct ListPage {
    chrome: Chrome,
    name: String,
    rows: Vec<Row>,
}

pub async fn list(State(docket): State<Docket>, viewer: Viewer) -> Response {
    if let Some(case) = &viewer.principal.receipt_for {
        return Redirect::to(&format!("/portal/complaint/{case}")).into_response();
    }
    let Some(member) = viewer.principal.member.clone() else {
        return Redirect::to("/home").into_response();
    };
    let (respondent, complainant) = (viewer.has(Role::Respondent), viewer.has(Role::Complainant));
    if !respondent && !complainant {
        return Redirect::to("/home").into_response();
    }
    let summaries = match docket.store.list_cases(&CaseFilter::default()).await {
        Ok(s) => s,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let mut rows = Vec::new();
    for s in summaries {
        let row = |role, href: String| Row {
            reference: s.id.to_string(),
            href,
            role,
            stage: stage_words(s.stage),
            received_on: s.received_on.to_string(),
        };
        if respondent && s.respondent == member {
            rows.push(row("About you", format!("/portal/case/{}", s.id)));
            continue;
        }
        if !complainant {
            continue;
        }
        // The summary read model holds no complainant (oversight reads it), so a member's own
        // complaints are found from the cases themselves, which are cached once loaded.
        match docket.load_case(&s.id).await {
            Ok(Some(c)) if matches!(&c.complainant, Complainant::Member { number, .. } if *number == member) =>
            {
                rows.push(row("Your complaint", format!("/portal/complaint/{}", s.id)));
            }
            Ok(_) => {}
            Err(e) => return api_error_page(&viewer.chrome, e.into()),
        }
    }
    let name = viewer.name.clone();
    render(
        StatusCode::OK,
        ListPage {
            chrome: viewer.chrome,
            name,
            rows,
        },
    )
}

// ------------------------------------------------------------- complainants

#[derive(Template)]
#[template(path = "portal_complaint.html")]
struct ComplaintPage {
    chrome: Chrome,
    view: ComplaintView,
    category: String,
    now: &'static str,
    progress: Vec<(String, &'static str)>,
    outcome: Option<String>,
    messages: Vec<MessageRow>,
    may_reply: bool,
    body: String,
    errors: FieldErrors,
    problem: Option<String>,
    sent: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    csrf: String,
    body: String,
}

pub async fn complaint(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let sent = shown.done.as_deref() == Some("reply");
    complaint_page(
        &docket,
        viewer,
        &raw,
        ReplyForm::default(),
        FieldErrors::default(),
        None,
        sent,
    )
    .await
}

async fn complaint_page(
    docket: &Docket,
    viewer: Viewer,
    raw: &str,
    typed: ReplyForm,
    errors: FieldErrors,
    problem: Option<String>,
    sent: bool,
) -> Response {
    let Some(id) = reference(raw) else {
        return no_such_case(&viewer.chrome);
    };
    let case = match docket
        .open_case(
            &id,
            &viewer.principal,
            CasePart::Complaint,
            Timestamp::now(),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let may_reply = case.is_open()
        && docket.may(
            &viewer.principal,
            Target::Case(&case),
            &[Action::ComplainantReply],
        ) == [true];
    let view = ComplaintView::of(case);
    let outcome = view
        .final_sanction
        .as_ref()
        .map(|s| sanction_words(docket, s));
    let status = if errors.is_empty() && problem.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ComplaintPage {
        category: category_name(docket, &view.category),
        now: stage_words(view.stage),
        progress: view
            .progress
            .iter()
            .map(|p| (p.on.to_string(), stage_words(p.stage)))
            .collect(),
        outcome,
        messages: message_rows(&view.messages),
        may_reply,
        body: typed.body,
        errors,
        problem,
        sent,
        chrome: viewer.chrome,
        view,
    };
    render(status, page)
}

pub async fn complaint_reply(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(&form.csrf) {
        return r;
    }
    let Some(id) = reference(&raw) else {
        return no_such_case(&viewer.chrome);
    };
    let mut errors = FieldErrors::default();
    let Some(body) = required_text(&mut errors, "body", &form.body, "your message") else {
        return complaint_page(&docket, viewer, &raw, form, errors, None, false).await;
    };
    match run(&docket, &viewer, &id, Command::ComplainantReply { body }).await {
        Ran::Done => {
            Redirect::to(&format!("/portal/complaint/{id}?done=reply#messages")).into_response()
        }
        Ran::Refused(why) => {
            complaint_page(&docket, viewer, &raw, form, errors, Some(why), false).await
        }
        Ran::Failed(r) => r,
    }
}
