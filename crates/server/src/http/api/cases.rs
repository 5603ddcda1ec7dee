//! Cases over the API: lists, the parts of a case file each role may open, and commands.
//! Every handler asks the gate (`Docket::authorize` / `open_case` / `execute_as`) before it
//! reads or changes anything; what a part holds is decided here, what may be opened there.

use super::error::{ApiError, Problem};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use crate::access::Target;
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use docket_domain::case::{
    Appeal, Case, Conflict, Decision, Hearing, Message, StageChange, day_of,
};
use docket_domain::charge::Charge;
use docket_domain::command::{Complainant, Party, Respondent};
use docket_domain::contact::Contact;
use docket_domain::evidence::EvidenceItem;
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::measure::Measure;
use docket_domain::notice::IssuedNotice;
use docket_domain::policy::Action;
use docket_domain::sanction::SanctionChoice;
use docket_domain::store::CaseFilter;
use docket_domain::summary::CaseSummary;
use docket_domain::view::CasePart;
use docket_domain::{Command, Stage};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One function held in a case, by whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub person: PersonId,
    pub function: Function,
}

/// What anyone who may list cases sees: no names, no narrative.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseMetadata {
    pub reference: CaseId,
    pub stage: Stage,
    pub open: bool,
    pub category: String,
    pub received_on: Date,
    pub stage_entered_on: Date,
    /// When the current stage's clock runs out, if it has one.
    pub stage_due: Option<Date>,
    /// The earliest review date of an active interim measure.
    pub review_due: Option<Date>,
    pub overdue: bool,
    pub active_measures: u32,
    pub assignments: Vec<Assignment>,
}

impl CaseMetadata {
    fn of(s: CaseSummary, today: Date) -> CaseMetadata {
        CaseMetadata {
            overdue: s.open && s.is_overdue(today),
            reference: s.id,
            stage: s.stage,
            open: s.open,
            category: s.category,
            received_on: s.received_on,
            stage_entered_on: s.stage_entered_on,
            stage_due: s.stage_due,
            review_due: s.review_due,
            active_measures: s.active_measures,
            assignments: s
                .assignments
                .into_iter()
                .map(|(person, function)| Assignment { person, function })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Only cases at this stage.
    pub stage: Option<Stage>,
    /// Only open cases (default false: all cases).
    pub open: Option<bool>,
    /// Only cases past a stage clock or a measure's review date.
    pub overdue: Option<bool>,
    /// Only cases where this person holds a function.
    pub assignee: Option<PersonId>,
    /// From 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// 1 to 200; 50 unless given.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

/// The case file: everything staff working on the case need.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseFile {
    pub reference: CaseId,
    pub version: u64,
    pub stage: Stage,
    pub received_at: Timestamp,
    /// Left out when the reader may not know who complained.
    pub complainant: Option<Complainant>,
    pub respondent: Respondent,
    pub category: String,
    pub conduct_date: Date,
    pub summary: Text,
    pub narrative: Text,
    pub assessment: Option<Text>,
    pub assignments: Vec<Assignment>,
    pub charges: Vec<Charge>,
    pub hearing: Option<Hearing>,
    pub decision: Option<Decision>,
    pub appeal_deadline: Option<Date>,
    pub appeal: Option<Appeal>,
    pub final_sanction: Option<SanctionChoice>,
    pub measures: Vec<Measure>,
    pub closing_reasons: Option<Text>,
    pub history: Vec<StageChange>,
}

impl CaseFile {
    fn of(c: Case, show_complainant: bool) -> CaseFile {
        CaseFile {
            reference: c.id,
            version: c.version,
            stage: c.stage,
            received_at: c.received_at,
            complainant: show_complainant.then_some(c.complainant),
            respondent: c.respondent,
            category: c.category,
            conduct_date: c.conduct_date,
            summary: c.summary,
            narrative: c.narrative,
            assessment: c.assessment,
            assignments: c
                .functions
                .holders
                .into_iter()
                .map(|(person, function)| Assignment { person, function })
                .collect(),
            charges: c.charges,
            hearing: c.hearing,
            decision: c.decision,
            appeal_deadline: c.appeal_deadline,
            appeal: c.appeal,
            final_sanction: c.final_sanction,
            measures: c.measures,
            closing_reasons: c.closing_reasons,
            history: c.history,
        }
    }
}

/// A complainant's view: their complaint, where it has got to, and how it ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintView {
    pub reference: CaseId,
    pub stage: Stage,
    pub open: bool,
    pub received_on: Date,
    pub category: String,
    pub summary: Text,
    pub narrative: Text,
    /// Each stage the complaint reached, and when.
    pub progress: Vec<StageReached>,
    pub closing_reasons: Option<Text>,
    pub final_sanction: Option<SanctionChoice>,
    /// The correspondence with the complainant: to them and from them, nothing else.
    pub messages: Vec<Message>,
    /// The evidence disclosed to the complainant, and no other.
    pub disclosed_evidence: Vec<EvidenceItem>,
    /// The notices issued to the complainant, word for word.
    pub notices: Vec<IssuedNotice>,
}

impl ComplaintView {
    /// The complainant's view of a case the gate let them open.
    pub fn of(c: Case) -> ComplaintView {
        ComplaintView {
            open: c.is_open(),
            progress: c
                .history
                .iter()
                .map(|h| StageReached {
                    stage: h.stage,
                    on: day_of(h.at),
                })
                .collect(),
            messages: messages_with(&c, Party::Complainant),
            disclosed_evidence: disclosed_to(&c, Party::Complainant),
            notices: notices_to(&c, Party::Complainant),
            reference: c.id,
            stage: c.stage,
            received_on: day_of(c.received_at),
            category: c.category,
            summary: c.summary,
            narrative: c.narrative,
            closing_reasons: c.closing_reasons,
            final_sanction: c.final_sanction,
        }
    }
}

/// One party's side of the correspondence: each party reads only their own.
/// The notices issued to `party`, in order.
pub fn notices_to(c: &Case, party: Party) -> Vec<IssuedNotice> {
    c.notices
        .iter()
        .filter(|n| n.to == party)
        .cloned()
        .collect()
}

/// The evidence items disclosed to `party`, in order.
pub fn disclosed_to(c: &Case, party: Party) -> Vec<EvidenceItem> {
    c.evidence
        .iter()
        .filter(|e| e.disclosed_to(party))
        .map(|e| e.as_given_to(party))
        .collect()
}

fn messages_with(c: &Case, party: Party) -> Vec<Message> {
    c.messages
        .iter()
        .filter(|m| m.party == party)
        .cloned()
        .collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageReached {
    pub stage: Stage,
    pub on: Date,
}

/// A respondent's view: the allegations, the charges and measures, and decisions about them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllegationsView {
    pub reference: CaseId,
    pub stage: Stage,
    pub category: String,
    pub conduct_date: Date,
    pub allegation: Text,
    pub narrative: Text,
    /// Only once the case officer has recorded that it is disclosed to the respondent.
    pub complainant: Option<Complainant>,
    pub charges: Vec<Charge>,
    pub measures: Vec<Measure>,
    pub hearing: Option<Hearing>,
    pub decision: Option<Decision>,
    pub appeal_deadline: Option<Date>,
    pub appeal: Option<Appeal>,
    pub final_sanction: Option<SanctionChoice>,
    /// The companion the respondent named with their response, if any.
    pub companion: Option<Text>,
    /// The correspondence with the respondent: to them and from them, nothing else.
    pub messages: Vec<Message>,
    /// The evidence disclosed to the respondent, and no other.
    pub disclosed_evidence: Vec<EvidenceItem>,
    /// The notices issued to the respondent, word for word.
    pub notices: Vec<IssuedNotice>,
}

impl AllegationsView {
    /// The respondent's view; `show_complainant` is the policy's answer to
    /// view_complainant_identity.
    pub fn of(c: Case, show_complainant: bool) -> AllegationsView {
        AllegationsView {
            messages: messages_with(&c, Party::Respondent),
            disclosed_evidence: disclosed_to(&c, Party::Respondent),
            notices: notices_to(&c, Party::Respondent),
            reference: c.id,
            stage: c.stage,
            category: c.category,
            conduct_date: c.conduct_date,
            allegation: c.summary,
            narrative: c.narrative,
            complainant: show_complainant.then_some(c.complainant),
            charges: c.charges,
            measures: c.measures,
            hearing: c.hearing,
            decision: c.decision,
            appeal_deadline: c.appeal_deadline,
            appeal: c.appeal,
            final_sanction: c.final_sanction,
            companion: c.companion,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactEntry {
    pub recorded_at: Timestamp,
    pub recorded_by: PersonId,
    pub contact: Contact,
}

/// What a command did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Done {
    pub reference: CaseId,
    pub stage: Stage,
    pub version: u64,
}

impl Done {
    fn of(c: &Case) -> Done {
        Done {
            reference: c.id.clone(),
            stage: c.stage,
            version: c.version,
        }
    }
}

/// A new complaint: the fields of `receive_complaint`; the reference is chosen by Docket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub complainant: Complainant,
    pub respondent: Respondent,
    pub category: String,
    pub conduct_date: Date,
    pub summary: Text,
    pub narrative: Text,
}

pub(super) fn reference(raw: &str) -> Result<CaseId, ApiError> {
    CaseId::parse(raw).map_err(ApiError::not_found)
}

/// Lists cases (metadata only), filtered and paged.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = Page<CaseMetadata>), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(docket): State<Docket>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<Page<CaseMetadata>>, ApiError> {
    let now = Timestamp::now();
    docket
        .authorize(&caller.0, Action::ListCases, Target::Organisation, now)
        .await?;
    let paging = Paging::of(q.page, q.per_page)?;
    let today = day_of(now);
    let rows = docket
        .store
        .list_cases(&CaseFilter {
            open_only: q.open.unwrap_or(false),
            overdue_on: q.overdue.unwrap_or(false).then_some(today),
            stage: q.stage,
            assignee: q.assignee,
            limit: None,
        })
        .await?;
    Ok(Json(paging.cut(rows).map(|s| CaseMetadata::of(s, today))))
}

/// Receives a complaint and opens a case for it.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = NewComplaint,
    responses((status = 201, body = Done), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn receive(
    State(docket): State<Docket>,
    caller: Caller,
    ApiJson(c): ApiJson<NewComplaint>,
) -> Result<(StatusCode, Json<Done>), ApiError> {
    caller.may_write()?;
    let id = CaseId::from_random(rand::random::<u64>());
    let cmd = Command::ReceiveComplaint {
        id: id.clone(),
        complainant: c.complainant,
        respondent: c.respondent,
        category: c.category,
        conduct_date: c.conduct_date,
        summary: c.summary,
        narrative: c.narrative,
    };
    let case = docket
        .execute_as(&id, cmd, &caller.0, Timestamp::now())
        .await?;
    Ok((StatusCode::CREATED, Json(Done::of(&case))))
}

/// Runs one command of the process on a case.
#[utoipa::path(post, path = "/cases/{reference}/commands", tag = "cases",
    params(("reference" = String, Path, description = "The case reference, e.g. DK-7KQ2-M9XA")),
    request_body = Command,
    responses((status = 200, body = Done), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn command(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Done>, ApiError> {
    caller.may_write()?;
    let cmd = command_from(&body)?;
    let id = reference(&raw)?;
    if matches!(cmd, Command::ReceiveComplaint { .. }) {
        return Err(ApiError::invalid(
            "command",
            "complaints are received with POST /api/v1/cases, which chooses the reference",
        ));
    }
    let case = docket
        .execute_as(&id, cmd, &caller.0, Timestamp::now())
        .await?;
    Ok(Json(Done::of(&case)))
}

/// A command from its JSON, refusing unknown fields everywhere: serde refuses them in
/// commands with fields, and this refuses them beside a command that takes none.
fn command_from(body: &serde_json::Value) -> Result<Command, ApiError> {
    let cmd: Command = super::extract::from_value(body).map_err(|e| e.locate_in(body))?;
    let fields = |v: &serde_json::Value| v.as_object().map(|o| o.len()).unwrap_or(0);
    let canonical = serde_json::to_value(&cmd).map_err(ApiError::internal)?;
    if fields(&canonical) == 1 && fields(body) > 1 {
        let extra = body
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "command").cloned())
            .unwrap_or_default();
        return Err(ApiError::invalid(
            &extra,
            format!("{extra}: unknown field; {} takes no fields", cmd.name()),
        ));
    }
    Ok(cmd)
}

/// Opens `part` of the case `raw` names through the gate, which checks the policy and
/// records the view.
pub(super) async fn open(
    docket: &Docket,
    caller: &Caller,
    raw: &str,
    part: CasePart,
) -> Result<Case, ApiError> {
    let id = reference(raw)?;
    Ok(docket
        .open_case(&id, &caller.0, part, Timestamp::now())
        .await?)
}

/// Opens `part` and says whether the caller may also see who complained.
async fn open_showing_complainant(
    docket: &Docket,
    caller: &Caller,
    raw: &str,
    part: CasePart,
) -> Result<(Case, bool), ApiError> {
    let id = reference(raw)?;
    let also = [Action::ViewComplainantIdentity];
    let (case, may) = docket
        .open_case_asking(&id, &caller.0, part, &also, Timestamp::now())
        .await?;
    Ok((case, may == [true]))
}

/// A case's metadata: what oversight may see.
#[utoipa::path(get, path = "/cases/{reference}", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = CaseMetadata), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn metadata(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<CaseMetadata>, ApiError> {
    let case = open(&docket, &caller, &raw, CasePart::Metadata).await?;
    let summary = CaseSummary::of(&case, &docket.rules, &docket.calendar);
    Ok(Json(CaseMetadata::of(summary, day_of(Timestamp::now()))))
}

/// The case file.
#[utoipa::path(get, path = "/cases/{reference}/file", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = CaseFile), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn file(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<CaseFile>, ApiError> {
    let (case, show) = open_showing_complainant(&docket, &caller, &raw, CasePart::File).await?;
    Ok(Json(CaseFile::of(case, show)))
}

/// A complainant's own complaint and its progress.
#[utoipa::path(get, path = "/cases/{reference}/complaint", tag = "portal",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = ComplaintView), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn complaint(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<ComplaintView>, ApiError> {
    let c = open(&docket, &caller, &raw, CasePart::Complaint).await?;
    Ok(Json(ComplaintView::of(c)))
}

/// A respondent's view of the allegations and decisions about them.
#[utoipa::path(get, path = "/cases/{reference}/allegations", tag = "portal",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = AllegationsView), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn allegations(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<AllegationsView>, ApiError> {
    let (c, show) = open_showing_complainant(&docket, &caller, &raw, CasePart::Allegations).await?;
    Ok(Json(AllegationsView::of(c, show)))
}

/// The case's contact register.
#[utoipa::path(get, path = "/cases/{reference}/contacts", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = Vec<ContactEntry>), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn contacts(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Vec<ContactEntry>>, ApiError> {
    let c = open(&docket, &caller, &raw, CasePart::ContactRegister).await?;
    Ok(Json(
        c.contacts
            .into_iter()
            .map(|(recorded_at, recorded_by, contact)| ContactEntry {
                recorded_at,
                recorded_by,
                contact,
            })
            .collect(),
    ))
}

/// Conflict-of-interest declarations on the case.
#[utoipa::path(get, path = "/cases/{reference}/declarations", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = Vec<Conflict>), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn declarations(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Vec<Conflict>>, ApiError> {
    let c = open(&docket, &caller, &raw, CasePart::Declarations).await?;
    Ok(Json(c.conflicts))
}
