//! The outcome notice: a case's final outcome as the rules send it to officeholders when the
//! respondent is an elected representative (the leader's office and the whips act on it:
//! the whip, candidacies). It says who, under which clauses each charge was or was not
//! proved, and the sanction with its dates; never the reasons, the evidence, the particulars
//! or who complained, so an officeholder learns the outcome without reading the case.

use super::error::{ApiError, Problem};
use super::extract::ApiPath;
use crate::http::auth::Caller;
use crate::service::Docket;
use axum::Json;
use axum::extract::State;
use docket_domain::Stage;
use docket_domain::command::Respondent;
use docket_domain::ids::CaseId;
use docket_domain::sanction::SanctionChoice;
use docket_domain::view::CasePart;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

/// One charge's result, without its particulars or reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChargeResult {
    pub number: u32,
    /// The rule-book clause cited, e.g. "2.1.8".
    pub clause: String,
    /// As the hearing panel found it; `appeal_upheld` says whether an appeal overturned the
    /// decision.
    pub proven: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeNotice {
    pub reference: CaseId,
    pub stage: Stage,
    pub respondent: Respondent,
    /// Null until the outcome is final (after the appeal window, or the appeal's decision).
    pub outcome: Option<Outcome>,
}

/// The sanction from the menu with its term, without the panel's aggravating and
/// mitigating factors (they are reasons).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionNotice {
    /// The menu entry, e.g. "expulsion", "fixed_term_suspension".
    pub code: String,
    pub term_months: Option<u32>,
    /// For sanctions that end membership: when the person may apply to rejoin.
    pub reapply_from: Option<Date>,
}

impl SanctionNotice {
    fn of(s: &SanctionChoice) -> SanctionNotice {
        SanctionNotice {
            code: s.code.clone(),
            term_months: s.term_months,
            reapply_from: s.reapply_from,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outcome {
    pub charges: Vec<ChargeResult>,
    /// Null when no sanction was imposed.
    pub sanction: Option<SanctionNotice>,
    /// The day the sanction took effect, and the day it ends (null: it does not expire).
    pub in_force_from: Option<Date>,
    pub in_force_until: Option<Date>,
    /// Whether an appeal was decided, and if so whether it was upheld.
    pub appeal_upheld: Option<bool>,
}

/// A case's final outcome as notified to officeholders: for them only when the respondent
/// is an elected representative and the outcome is final; for case officers always.
#[utoipa::path(get, path = "/cases/{reference}/outcome-notice", tag = "cases",
    params(("reference" = String, Path, description = "The case reference")),
    responses((status = 200, body = OutcomeNotice), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn outcome_notice(
    State(docket): State<Docket>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Json<OutcomeNotice>, ApiError> {
    let case = super::cases::open(&docket, &caller, &raw, CasePart::OutcomeNotice).await?;
    let is_final = matches!(
        case.stage,
        Stage::Final | Stage::SanctionLive | Stage::SanctionExpired
    );
    let outcome = is_final.then(|| {
        let proven = |n: u32| {
            case.decision
                .as_ref()
                .and_then(|d| d.findings.iter().find(|f| f.charge == n))
                .is_some_and(|f| f.proven)
        };
        Outcome {
            charges: case
                .charges
                .iter()
                .map(|c| ChargeResult {
                    number: c.number,
                    clause: c.clause.to_string(),
                    proven: proven(c.number),
                })
                .collect(),
            sanction: case.final_sanction.as_ref().map(SanctionNotice::of),
            in_force_from: case.sanction_live.map(|(from, _)| from),
            in_force_until: case.sanction_live.and_then(|(_, until)| until),
            appeal_upheld: case.appeal.as_ref().and_then(|a| a.upheld),
        }
    });
    Ok(Json(OutcomeNotice {
        reference: case.id,
        stage: case.stage,
        respondent: case.respondent,
        outcome,
    }))
}
