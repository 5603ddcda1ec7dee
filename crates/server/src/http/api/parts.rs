//! The parts of a case file one at a time, for staff: charges, interim measures, the
//! hearing, the decision and the appeal. Each opens the case through the same gate as the
//! whole file (`view_case_content`, recorded as a view of the file), so asking for a part
//! can never show more than the file would, nor leave less trace.
//!
//! A part the case has not reached yet is not an error: the answer is 200 with the part
//! null (or an empty list), because "no hearing yet" is a fact about the case, not a missing
//! resource.

use super::cases::open;
use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use docket_domain::Stage;
use docket_domain::case::{Appeal, Case, Decision, Hearing, day_of};
use docket_domain::charge::Charge;
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::measure::Measure;
use docket_domain::sanction::SanctionChoice;
use docket_domain::view::CasePart;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

/// An interim measure with what its dates mean today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterimMeasure {
    #[serde(flatten)]
    pub measure: Measure,
    /// Not lifted.
    pub active: bool,
    /// Active and past its review date with no new reasoned decision.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HearingPart {
    pub reference: CaseId,
    pub stage: Stage,
    /// Null until a hearing is scheduled, and again after a vetoed decision sends the case
    /// back to a new hearing.
    pub hearing: Option<Hearing>,
    /// The hearing panel; empty until one is named.
    pub panel: Vec<PersonId>,
}

/// When a sanction is in force: from the day the case became final, until it expires (no
/// end for sanctions that do not expire).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionPeriod {
    pub from: Date,
    pub until: Option<Date>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionPart {
    pub reference: CaseId,
    pub stage: Stage,
    /// The hearing panel's findings on each charge and its sanction; null until recorded,
    /// and again after an independent reviewer vetoes it.
    pub decision: Option<Decision>,
    /// How many decisions in this case an independent reviewer vetoed.
    pub review_vetoes: u32,
    /// The sanction in force once the case is final, after any appeal; null before.
    pub final_sanction: Option<SanctionChoice>,
    /// Null until the sanction goes live.
    pub sanction_in_force: Option<SanctionPeriod>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppealPart {
    pub reference: CaseId,
    pub stage: Stage,
    /// The last day an appeal may be lodged; null until the outcome notice opens the window.
    pub appeal_deadline: Option<Date>,
    /// Null unless an appeal was lodged; its outcome is null until decided.
    pub appeal: Option<Appeal>,
    /// The appeal panel; empty until one is convened.
    pub panel: Vec<PersonId>,
}

async fn open_file(docket: &Docket, caller: &Caller, raw: &str) -> Result<Case, ApiError> {
    open(docket, caller, raw, CasePart::File).await
}

fn panel(case: &Case, function: Function) -> Vec<PersonId> {
    case.functions
        .members(function)
        .into_iter()
        .cloned()
        .collect()
}

/// The charges laid, each citing its clause as worded on the conduct date; empty before a
/// charging decision.
#[utoipa::path(get, path = "/cases/{reference}/charges", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = Vec<Charge>), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn charges(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Vec<Charge>>, ApiError> {
    Ok(Json(open_file(&docket, &caller, &raw).await?.charges))
}

/// Every interim measure imposed in the case, lifted ones included, with its review date,
/// its reviews, and whether it is overdue for review today; empty if none was imposed.
#[utoipa::path(get, path = "/cases/{reference}/measures", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = Vec<InterimMeasure>), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn measures(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<Vec<InterimMeasure>>, ApiError> {
    let case = open_file(&docket, &caller, &raw).await?;
    let today = day_of(Timestamp::now());
    Ok(Json(
        case.measures
            .into_iter()
            .map(|measure| InterimMeasure {
                active: measure.is_active(),
                overdue: measure.is_overdue(today),
                measure,
            })
            .collect(),
    ))
}

/// The hearing and its panel; `hearing` is null until one is scheduled.
#[utoipa::path(get, path = "/cases/{reference}/hearing", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = HearingPart), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn hearing(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<HearingPart>, ApiError> {
    let case = open_file(&docket, &caller, &raw).await?;
    Ok(Json(HearingPart {
        panel: panel(&case, Function::HearingPanel),
        reference: case.id,
        stage: case.stage,
        hearing: case.hearing,
    }))
}

/// The decision: a finding on each charge (proven or not, reasons, evidence relied on) and
/// the sanction with its factors; `decision` is null until the panel records one.
#[utoipa::path(get, path = "/cases/{reference}/decision", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = DecisionPart), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn decision(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<DecisionPart>, ApiError> {
    let case = open_file(&docket, &caller, &raw).await?;
    Ok(Json(DecisionPart {
        reference: case.id,
        stage: case.stage,
        decision: case.decision,
        review_vetoes: case.review_vetoes,
        final_sanction: case.final_sanction,
        sanction_in_force: case
            .sanction_live
            .map(|(from, until)| SanctionPeriod { from, until }),
    }))
}

/// The appeal window and any appeal; `appeal` is null unless one was lodged.
#[utoipa::path(get, path = "/cases/{reference}/appeal", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = AppealPart), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn appeal(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<AppealPart>, ApiError> {
    let case = open_file(&docket, &caller, &raw).await?;
    Ok(Json(AppealPart {
        panel: panel(&case, Function::AppealPanel),
        reference: case.id,
        stage: case.stage,
        appeal_deadline: case.appeal_deadline,
        appeal: case.appeal,
    }))
}
