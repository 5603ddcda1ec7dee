//! The respondent's side of the portal: the notice of allegations, the response (naming a
//! companion), the hearing notice, the decision on each charge and the appeal.

use super::*;

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
    case_page(
        &docket,
        viewer,
        &raw,
        CaseForm::default(),
        FieldErrors::default(),
        None,
        done,
    )
    .await
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
        Complainant::ThirdParty {
            name,
            organisation: Some(o),
            ..
        } => format!("{name}, {o}"),
        Complainant::ThirdParty {
            name,
            organisation: None,
            ..
        } => name.clone(),
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
    let Some(id) = reference(raw) else {
        return no_such_case(&viewer.chrome);
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
    let asked = [
        Action::SubmitResponse,
        Action::RespondentReply,
        Action::LodgeAppeal,
    ];
    let may = docket.may(&viewer.principal, Target::Case(&case), &asked);
    let today = day_of(now);
    let answerable = case.is_open() && case.stage != Stage::Received;
    let window_open =
        case.stage == Stage::AppealWindow && case.appeal_deadline.is_some_and(|d| today <= d);
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
    let findings = view
        .decision
        .as_ref()
        .map(|d| d.findings.clone())
        .unwrap_or_default();
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
                (
                    if f.proven { "Proven" } else { "Not proven" },
                    f.reasons.to_string(),
                )
            }),
        })
        .collect();
    let measures = view
        .measures
        .iter()
        .filter(|m| m.is_active())
        .map(|m| {
            format!(
                "{}, to be reviewed by {}",
                measure_words(&m.kind),
                m.review_date
            )
        })
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
        final_sanction: view
            .final_sanction
            .as_ref()
            .map(|s| sanction_words(docket, s)),
        appeal_deadline: view.appeal_deadline.map(|d| d.to_string()),
        appeal: view.appeal.as_ref().map(|a| {
            let outcome = a.upheld.map(|up| {
                let reasons = a
                    .reasons
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_default();
                format!("{} {reasons}", if up { "Upheld." } else { "Dismissed." })
            });
            (
                day_of(a.lodged_at).to_string(),
                a.grounds.to_string(),
                outcome,
            )
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
    let Some(id) = reference(&raw) else {
        return no_such_case(&viewer.chrome);
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
            response.map(|response| Command::SubmitResponse {
                response,
                companion,
            })
        }
        "reply" => required_text(&mut e, "body", &form.body, "your message")
            .map(|body| Command::RespondentReply { body }),
        "appeal" => required_text(
            &mut e,
            "grounds",
            &form.grounds,
            "the grounds of your appeal",
        )
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
        Ran::Done => Redirect::to(&format!("/portal/case/{id}?done={which}")).into_response(),
        Ran::Refused(why) => case_page(&docket, viewer, &raw, form, e, Some(why), None).await,
        Ran::Failed(r) => r,
    }
}
