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

pub fn routes() -> Router<Docket> {
    Router::new()
        .route("/portal", get(list))
        .route("/portal/complaint/{reference}", get(complaint))
        .route("/portal/complaint/{reference}/reply", post(complaint_reply))
        .route("/portal/case/{reference}", get(case))
        .route("/portal/case/{reference}/{form}", post(case_form))
}

/// What each stage means to a party, in plain words.
pub fn stage_words(stage: Stage) -> &'static str {
    match stage {
        Stage::Received => "The complaint was received.",
        Stage::Acknowledged => "A case officer acknowledged the complaint.",
        Stage::Assessed => "The complaint was assessed, to decide how it should be dealt with.",
        Stage::Dismissed => "The complaint was dismissed. The reasons are given below.",
        Stage::InformalResolution => "A case officer is trying to resolve the complaint informally.",
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
        Stage::AppealWindow => "The outcome was sent out; it may be appealed within the time allowed.",
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

fn reference(chrome: &Chrome, raw: &str) -> Result<CaseId, Response> {
    CaseId::parse(raw).map_err(|_| {
        error_page(
            chrome,
            StatusCode::NOT_FOUND,
            "No such case",
            "That is not a case reference. References look like DK-7KQ2-M9XA.",
        )
    })
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
            Ok(Some(c)) if matches!(&c.complainant, Complainant::Member { number, .. } if *number == member) => {
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
    complaint_page(&docket, viewer, &raw, ReplyForm::default(), FieldErrors::default(), None, sent).await
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
    let id = match reference(&viewer.chrome, raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let case = match docket.open_case(&id, &viewer.principal, CasePart::Complaint, Timestamp::now()).await {
        Ok(c) => c,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let may_reply = case.is_open()
        && docket.may(&viewer.principal, Target::Case(&case), &[Action::ComplainantReply]) == [true];
    let view = ComplaintView::of(case);
    let outcome = view.final_sanction.as_ref().map(|s| sanction_words(docket, s));
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
    let id = match reference(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut errors = FieldErrors::default();
    let Some(body) = required_text(&mut errors, "body", &form.body, "your message") else {
        return complaint_page(&docket, viewer, &raw, form, errors, None, false).await;
    };
    match run(&docket, &viewer, &id, Command::ComplainantReply { body }).await {
        Ran::Done => Redirect::to(&format!("/portal/complaint/{id}?done=reply#messages")).into_response(),
        Ran::Refused(why) => complaint_page(&docket, viewer, &raw, form, errors, Some(why), false).await,
        Ran::Failed(r) => r,
    }
}

// -------------------------------------------------------------- respondents

#[derive(Debug)]
struct ChargeRow {
    number: u32,
    clause: String,
    clause_text: String,
    conduct_date: String,
    particulars: String,
    /// "Proven" / "Not proven" and the panel's reasons, once decided.
    finding: Option<(&'static str, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    csrf: String,
    response: String,
    companion: String,
    body: String,
    grounds: String,
}

#[derive(Template)]
#[template(path = "portal_case.html")]
struct CasePage {
    chrome: Chrome,
    view: AllegationsView,
    category: String,
    now: &'static str,
    complainant: Option<String>,
    charges: Vec<ChargeRow>,
    measures: Vec<String>,
    hearing: Option<(String, String, Vec<String>)>,
    sanction: Option<String>,
    final_sanction: Option<String>,
    appeal_deadline: Option<String>,
    appeal: Option<(String, String, Option<String>)>,
    messages: Vec<MessageRow>,
    may_respond: bool,
    may_reply: bool,
    may_appeal: bool,
    form: CaseForm,
    errors: FieldErrors,
    problem: Option<String>,
    done: Option<&'static str>,
}

pub async fn case(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let done = match shown.done.as_deref() {
        Some("respond") => Some("Your response has been added to the case."),
        Some("reply") => Some("Your message has been sent to the case officer."),
        Some("appeal") => Some("Your appeal has been lodged."),
        _ => None,
    };
    case_page(&docket, viewer, &raw, CaseForm::default(), FieldErrors::default(), None, done).await
}

/// Names of the people on the hearing panel, as their accounts give them.
async fn panel_names(docket: &Docket, case: &Case) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for p in case.functions.members(Function::HearingPanel) {
        let name = docket
            .store
            .account_by_person(p)
            .await?
            .map(|a| a.display_name)
            .unwrap_or_else(|| p.to_string());
        out.push(name);
    }
    Ok(out)
}

fn measure_words(kind: &MeasureKind) -> String {
    match kind {
        MeasureKind::AdministrativeSuspension { scope } => {
            let rights: Vec<&str> = scope
                .iter()
                .map(|r| match r {
                    Right::AttendMeetings => "attending meetings",
                    Right::Vote => "voting",
                    Right::HoldOffice => "holding office",
                    Right::StandForSelection => "standing for selection",
                    Right::RepresentTheOrganisation => "representing the organisation",
                })
                .collect();
            format!("Administrative suspension from {}", rights.join(", "))
        }
        MeasureKind::WhipWithdrawal { .. } => "Withdrawal of the whip".into(),
    }
}

fn complainant_words(c: &Complainant) -> String {
    match c {
        Complainant::Member { number, name } => format!("{name} (member {number})"),
        Complainant::ThirdParty { name, organisation: Some(o) } => format!("{name}, {o}"),
        Complainant::ThirdParty { name, organisation: None } => name.clone(),
        Complainant::Anonymous => "The complaint was made anonymously.".into(),
    }
}

async fn case_page(
    docket: &Docket,
    viewer: Viewer,
    raw: &str,
    form: CaseForm,
    errors: FieldErrors,
    problem: Option<String>,
    done: Option<&'static str>,
) -> Response {
    let id = match reference(&viewer.chrome, raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let also = [Action::ViewComplainantIdentity];
    let now = Timestamp::now();
    let (case, shown) = match docket
        .open_case_asking(&id, &viewer.principal, CasePart::Allegations, &also, now)
        .await
    {
        Ok(c) => c,
        Err(e) => return api_error_page(&viewer.chrome, e.into()),
    };
    let asked = [Action::SubmitResponse, Action::RespondentReply, Action::LodgeAppeal];
    let may = docket.may(&viewer.principal, Target::Case(&case), &asked);
    let today = day_of(now);
    let answerable = case.is_open() && case.stage != Stage::Received;
    let window_open = case.stage == Stage::AppealWindow
        && case.appeal_deadline.is_some_and(|d| today <= d);
    let panel = match panel_names(docket, &case).await {
        Ok(p) => p,
        Err(e) => return api_error_page(&viewer.chrome, e),
    };
    let (may_respond, may_reply, may_appeal) = (
        may[0] && answerable,
        may[1] && case.is_open(),
        may[2] && window_open,
    );
    let view = AllegationsView::of(case, shown == [true]);
    let findings = view.decision.as_ref().map(|d| d.findings.clone()).unwrap_or_default();
    let charges = view
        .charges
        .iter()
        .map(|c| ChargeRow {
            number: c.number,
            clause: c.clause.to_string(),
            clause_text: c.clause_text.clone(),
            conduct_date: c.conduct_date.to_string(),
            particulars: c.particulars.to_string(),
            finding: findings.iter().find(|f| f.charge == c.number).map(|f| {
                (if f.proven { "Proven" } else { "Not proven" }, f.reasons.to_string())
            }),
        })
        .collect();
    let measures = view
        .measures
        .iter()
        .filter(|m| m.is_active())
        .map(|m| format!("{}, to be reviewed by {}", measure_words(&m.kind), m.review_date))
        .collect();
    let status = if errors.is_empty() && problem.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CasePage {
        category: category_name(docket, &view.category),
        now: stage_words(view.stage),
        complainant: view.complainant.as_ref().map(complainant_words),
        charges,
        measures,
        hearing: view
            .hearing
            .as_ref()
            .map(|h| (h.date.to_string(), h.venue.to_string(), panel)),
        sanction: view
            .decision
            .as_ref()
            .and_then(|d| d.sanction.as_ref())
            .map(|s| sanction_words(docket, s)),
        final_sanction: view.final_sanction.as_ref().map(|s| sanction_words(docket, s)),
        appeal_deadline: view.appeal_deadline.map(|d| d.to_string()),
        appeal: view.appeal.as_ref().map(|a| {
            let outcome = a.upheld.map(|up| {
                let reasons = a.reasons.as_ref().map(|r| r.to_string()).unwrap_or_default();
                format!("{} {reasons}", if up { "Upheld." } else { "Dismissed." })
            });
            (day_of(a.lodged_at).to_string(), a.grounds.to_string(), outcome)
        }),
        messages: message_rows(&view.messages),
        may_respond,
        may_reply,
        may_appeal,
        form,
        errors,
        problem,
        done,
        chrome: viewer.chrome,
        view,
    };
    render(status, page)
}

/// The respondent's forms: respond, reply, appeal.
pub async fn case_form(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, which)): Path<(String, String)>,
    Form(form): Form<CaseForm>,
) -> Response {
    if let Err(r) = viewer.check_csrf(&form.csrf) {
        return r;
    }
    let id = match reference(&viewer.chrome, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut e = FieldErrors::default();
    let cmd = match which.as_str() {
        "respond" => {
            let response = required_text(&mut e, "response", &form.response, "your response");
            let companion = match form.companion.trim() {
                "" => None,
                c => Text::parse(c)
                    .map_err(|why| e.add("companion", format!("This is too long: {why}.")))
                    .ok(),
            };
            response.map(|response| Command::SubmitResponse { response, companion })
        }
        "reply" => required_text(&mut e, "body", &form.body, "your message")
            .map(|body| Command::RespondentReply { body }),
        "appeal" => required_text(&mut e, "grounds", &form.grounds, "the grounds of your appeal")
            .map(|grounds| Command::LodgeAppeal { grounds }),
        _ => {
            return error_page(
                &viewer.chrome,
                StatusCode::NOT_FOUND,
                "No such form",
                "There is nothing to send at this address.",
            );
        }
    };
    let Some(cmd) = cmd.filter(|_| e.is_empty()) else {
        return case_page(&docket, viewer, &raw, form, e, None, None).await;
    };
    match run(&docket, &viewer, &id, cmd).await {
        Ran::Done => {
            Redirect::to(&format!("/portal/case/{id}?done={which}")).into_response()
        }
        Ran::Refused(why) => case_page(&docket, viewer, &raw, form, e, Some(why), None).await,
        Ran::Failed(r) => r,
    }
}
