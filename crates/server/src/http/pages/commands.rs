//! Commands as forms. Each command of the process has a form description here; the case page
//! shows the forms this person may use at this stage, and a submitted form becomes the same
//! JSON command the API takes, so the page and the API cannot disagree about what a command
//! means. A refused or malformed form comes back with what was typed and the problem named.

use super::{Chrome, FieldErrors, Viewer, api_error_page, error_page, render};
use crate::access::Target;
use crate::http::api::error::ApiError;
use crate::service::Docket;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use docket_domain::account::Account;
use docket_domain::case::{Case, day_of};
use docket_domain::policy::Action;
use docket_domain::role::Role;
use docket_domain::{Command, Context, Rule, decide};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod spec;
mod table;
pub use spec::{Input, Spec};
pub use table::specs;

/// One field of a form as shown: its spec, what is in it, and its problem.
#[derive(Debug, Clone)]
pub struct Shown {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub input: Input,
    pub required: bool,
    pub value: String,
    /// For fields with several values (checkboxes, several people).
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    pub problem: Option<String>,
}

impl Shown {
    pub fn id(&self) -> String {
        format!("f-{}", self.name.replace('.', "-"))
    }

    pub fn has(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v) || self.value == v
    }

    /// The ids of the hint and problem that describe the field, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id()));
        }
        if self.problem.is_some() {
            ids.push(format!("{}-problem", self.id()));
        }
        ids.join(" ")
    }

    /// Whether the `i`th choice of a several-people field holds `v`.
    pub fn picked(&self, i: &usize, v: &str) -> bool {
        self.values.get(*i).is_some_and(|x| x == v)
    }

    pub fn is(&self, kind: &str) -> bool {
        self.input.kind() == kind
    }
}

/// A command's form, ready for a template.
#[derive(Debug, Clone)]
pub struct Shape {
    pub command: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub fields: Vec<Shown>,
}

/// The values a form was submitted with, by field name (several for checkboxes).
pub type Values = BTreeMap<String, Vec<String>>;

fn values_of(pairs: Vec<(String, String)>) -> (String, Values) {
    let mut csrf = String::new();
    let mut out: Values = BTreeMap::new();
    for (k, v) in pairs {
        if k == "csrf" {
            csrf = v;
        } else {
            out.entry(k).or_default().push(v);
        }
    }
    (csrf, out)
}

/// The people a form may offer for a function: the accounts holding the role it needs.
fn people_with(accounts: &[Account], role: Role) -> Vec<(String, String)> {
    accounts
        .iter()
        .filter(|a| a.roles.contains(&role) && !a.disabled)
        .map(|a| {
            (
                a.person.to_string(),
                format!("{} ({})", a.display_name, a.person),
            )
        })
        .collect()
}

/// The accounts the person fields of these forms choose from: read once for a page of
/// forms, and not at all when none of them names a person.
async fn accounts_for<'a>(
    docket: &Docket,
    case: &Case,
    specs: impl IntoIterator<Item = &'a Spec>,
) -> Result<Vec<Account>, ApiError> {
    let names_people = specs.into_iter().any(|s| {
        s.fields(case, &docket.rules)
            .iter()
            .any(|f| matches!(f.input, Input::Person(_) | Input::People(..)))
    });
    Ok(if names_people {
        docket.store.accounts().await?
    } else {
        Vec::new()
    })
}

/// The form for `spec` on `case`, filled with `values` and `errors`.
fn shape_with(
    docket: &Docket,
    case: &Case,
    spec: &Spec,
    values: &Values,
    errors: &FieldErrors,
    accounts: &[Account],
) -> Shape {
    let mut fields = Vec::new();
    for f in spec.fields(case, &docket.rules) {
        let options = match &f.input {
            Input::Person(role) | Input::People(role, _) => people_with(accounts, *role),
            Input::Select(options) | Input::Checks(options) | Input::Numbered(options) => {
                options.clone()
            }
            _ => Vec::new(),
        };
        let got = values.get(&f.name).cloned().unwrap_or_default();
        fields.push(Shown {
            value: got.first().cloned().unwrap_or_else(|| f.default.clone()),
            values: got,
            problem: errors.get(&f.name).map(str::to_string),
            name: f.name,
            label: f.label,
            hint: f.hint,
            input: f.input,
            required: f.required,
            options,
        });
    }
    Shape {
        command: spec.command,
        label: spec.label,
        help: spec.help,
        fields,
    }
}

/// One form, filled with what was typed and its problems.
pub async fn shape(
    docket: &Docket,
    case: &Case,
    spec: &Spec,
    values: &Values,
    errors: &FieldErrors,
) -> Result<Shape, ApiError> {
    let accounts = accounts_for(docket, case, [spec]).await?;
    Ok(shape_with(docket, case, spec, values, errors, &accounts))
}

/// Empty forms for `specs`, for a page that shows several.
pub async fn blank_forms(
    docket: &Docket,
    case: &Case,
    specs: &[&Spec],
) -> Result<Vec<Shape>, ApiError> {
    let accounts = accounts_for(docket, case, specs.iter().copied()).await?;
    let (values, errors) = (Values::new(), FieldErrors::default());
    Ok(specs
        .iter()
        .map(|s| shape_with(docket, case, s, &values, &errors, &accounts))
        .collect())
}

/// The commands `viewer` may use on `case` now: allowed by the policy (asked without
/// recording) and not refused by the process for the case's stage.
pub fn available(docket: &Docket, viewer: &Viewer, case: &Case) -> Vec<&'static Spec> {
    let all = specs();
    let actions: Vec<Action> = all.iter().map(|s| s.action).collect();
    let allowed = docket.may(&viewer.principal, Target::Case(case), &actions);
    let ctx = Context {
        actor: &viewer.principal.person,
        now: Timestamp::now(),
        rules: &docket.rules,
        calendar: &docket.calendar,
    };
    all.iter()
        .zip(allowed)
        .filter(|(_, ok)| *ok)
        .map(|(s, _)| s)
        .filter(|s| s.applies(case))
        .filter(|s| match s.probe(case, &ctx) {
            Some(cmd) => {
                !matches!(decide(Some(case), &cmd, &ctx), Err(v) if v.rule == Rule::StageOrder)
            }
            None => true,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "command.html")]
struct CommandPage {
    chrome: Chrome,
    reference: String,
    stage: String,
    form: Shape,
    problem: Option<String>,
}

/// Loads the case behind a command form after the gate for the command's action: a form is
/// not shown to someone who could not submit it.
async fn gated(
    docket: &Docket,
    viewer: &Viewer,
    raw: &str,
    command: &str,
) -> Result<(Case, &'static Spec), Response> {
    let id = super::case::parse(&viewer.chrome, raw)?;
    let spec = specs()
        .iter()
        .find(|s| s.command == command)
        .ok_or_else(|| {
            error_page(
                &viewer.chrome,
                StatusCode::NOT_FOUND,
                "No such command",
                &format!("Docket has no command called '{command}'."),
            )
        })?;
    let case = match docket.load_case(&id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(error_page(
                &viewer.chrome,
                StatusCode::NOT_FOUND,
                "No such case",
                &format!("There is no case {id}."),
            ));
        }
        Err(e) => return Err(api_error_page(&viewer.chrome, e.into())),
    };
    if let Err(e) = docket
        .authorize(
            &viewer.principal,
            spec.action,
            Target::Case(&case),
            Timestamp::now(),
        )
        .await
    {
        return Err(api_error_page(&viewer.chrome, e.into()));
    }
    Ok((case, spec))
}

pub async fn command_form(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, command)): Path<(String, String)>,
) -> Response {
    let (case, spec) = match gated(&docket, &viewer, &raw, &command).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    form_page(
        &docket,
        &viewer,
        &case,
        spec,
        &Values::new(),
        &FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    docket: &Docket,
    viewer: &Viewer,
    case: &Case,
    spec: &Spec,
    values: &Values,
    errors: &FieldErrors,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    match shape(docket, case, spec, values, errors).await {
        Ok(form) => render(
            status,
            CommandPage {
                chrome: viewer.chrome.clone(),
                reference: case.id.to_string(),
                stage: case.stage.to_string(),
                form,
                problem,
            },
        ),
        Err(e) => api_error_page(&viewer.chrome, e),
    }
}

pub async fn run_command(
    State(docket): State<Docket>,
    viewer: Viewer,
    Path((raw, command)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = values_of(pairs);
    if let Err(r) = viewer.check_csrf(&csrf) {
        return r;
    }
    let (case, spec) = match gated(&docket, &viewer, &raw, &command).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let fields = spec.fields(&case, &docket.rules);
    let (json, errors) = spec::to_json(spec.command, &fields, &values);
    let again = |errors: FieldErrors, problem: Option<String>, status| {
        let (docket, viewer, case, values) = (&docket, &viewer, &case, &values);
        async move { form_page(docket, viewer, case, spec, values, &errors, problem, status).await }
    };
    if !errors.is_empty() {
        let n = errors.0.len();
        let summary = format!(
            "Nothing was changed: {n} {} below need{} correcting.",
            if n == 1 { "field" } else { "fields" },
            if n == 1 { "s" } else { "" }
        );
        return again(errors, Some(summary), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let cmd: Command = match serde_json::from_value(Value::Object(json)) {
        Ok(c) => c,
        Err(e) => {
            return again(
                FieldErrors::default(),
                Some(format!("Nothing was changed: {e}.")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match docket
        .execute_as(&case.id, cmd, &viewer.principal, Timestamp::now())
        .await
    {
        Ok(done) => {
            // A party has no case page: their portal shows what they did.
            let staff = docket.may(
                &viewer.principal,
                Target::Case(&done),
                &[Action::ViewCaseContent],
            ) == [true];
            let to = if staff {
                format!("/cases/{}?done={}", done.id, spec.command)
            } else {
                "/portal".to_string()
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            // A refusal by the process or a stale form is shown on the form, with what was
            // typed; anything else (the gate, a failure of ours) as a page of its own.
            if status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT {
                // The detail names the rule that refused it.
                let why = format!("Nothing was changed: {}", e.problem().detail);
                again(FieldErrors::default(), Some(why), status).await
            } else {
                api_error_page(&viewer.chrome, e)
            }
        }
    }
}

/// Today's date, for form defaults.
pub fn today() -> String {
    day_of(Timestamp::now()).to_string()
}

/// `a.b.0.c` paths into nested JSON: numeric segments index arrays.
pub fn put(root: &mut Map<String, Value>, path: &str, value: Value) {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let next_is_index = parts.get(i + 1).is_some_and(|p| p.parse::<usize>().is_ok());
        if last {
            cur.insert((*part).to_string(), value);
            return;
        }
        let slot = cur.entry((*part).to_string()).or_insert_with(|| {
            if next_is_index {
                Value::Array(vec![])
            } else {
                Value::Object(Map::new())
            }
        });
        if next_is_index {
            let Value::Array(items) = slot else { return };
            let idx: usize = parts[i + 1].parse().unwrap_or(0);
            while items.len() <= idx {
                items.push(Value::Object(Map::new()));
            }
            let rest = parts[i + 2..].join(".");
            if let Value::Object(obj) = &mut items[idx] {
                if rest.is_empty() {
                    return;
                }
                put(obj, &rest, value);
            }
            return;
        }
        let Value::Object(obj) = slot else { return };
        cur = obj;
    }
}
