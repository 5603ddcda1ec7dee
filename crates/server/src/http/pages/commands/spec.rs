//! What each command's form asks for. Field names are the command's JSON field paths
//! (`contact.who`, `charges.0.clause`), so a filled form turns into the API's command as it
//! is, and the domain's own checks judge it.

use super::{FieldErrors, Values, put};
use docket_domain::case::Case;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use docket_domain::rulebook::RuleBook;
use docket_domain::{Command, Context};
use serde_json::{Map, Value};

/// How a field is entered.
#[derive(Debug, Clone)]
pub enum Input {
    Text,
    LongText,
    Date,
    Number,
    /// One person holding the role.
    Person(Role),
    /// Several people holding the role, in this many choices.
    People(Role, usize),
    Select(Vec<(String, String)>),
    /// One of a list of numbered things (a measure, an evidence item), sent as its number.
    Numbered(Vec<(String, String)>),
    /// Any number of the options.
    Checks(Vec<(String, String)>),
    /// Yes or no, as a JSON boolean.
    YesNo,
    /// One item per line, as a JSON array of strings.
    Lines,
    /// Fixed by the form (a finding's charge number).
    Hidden,
}

impl Input {
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Text => "text",
            Input::LongText => "long",
            Input::Date => "date",
            Input::Number => "number",
            Input::Person(_) => "person",
            Input::People(..) => "people",
            Input::Select(_) | Input::Numbered(_) => "select",
            Input::Checks(_) => "checks",
            Input::YesNo => "yesno",
            Input::Lines => "lines",
            Input::Hidden => "hidden",
        }
    }

    /// How many choices a People field offers.
    pub fn count(&self) -> usize {
        match self {
            Input::People(_, n) => *n,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub input: Input,
    pub required: bool,
    pub default: String,
    /// A repeated group this field belongs to (`charges.1`): a group whose first field is
    /// left empty is left out, unless that field is required.
    pub group: Option<String>,
}

pub(super) fn field(name: &str, label: &str, input: Input, required: bool) -> Field {
    let hint = match input {
        Input::Date => "As year-month-day, for example 2026-03-31.",
        _ => "",
    };
    Field {
        name: name.into(),
        label: label.into(),
        hint: hint.into(),
        input,
        required,
        default: String::new(),
        group: None,
    }
}

impl Field {
    pub(super) fn hint(mut self, h: &str) -> Field {
        self.hint = h.into();
        self
    }

    pub(super) fn default(mut self, d: impl Into<String>) -> Field {
        self.default = d.into();
        self
    }

    pub(super) fn group(mut self, g: String) -> Field {
        self.group = Some(g);
        self
    }
}

#[derive(Debug)]
pub struct Spec {
    pub command: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
    pub(super) make: fn(&Case, &RuleBook) -> Vec<Field>,
    /// Whether the form makes sense on this case at all (a measure to review exists…).
    pub(super) applies: fn(&Case) -> bool,
}

impl Spec {
    pub fn fields(&self, case: &Case, rules: &RuleBook) -> Vec<Field> {
        (self.make)(case, rules)
    }

    pub fn applies(&self, case: &Case) -> bool {
        (self.applies)(case)
    }

    /// The command with placeholder values, to ask the process whether this command is
    /// possible at the case's stage at all. None if it cannot be built.
    pub fn probe(&self, case: &Case, ctx: &Context<'_>) -> Option<Command> {
        let mut json = Map::new();
        json.insert("command".into(), Value::String(self.command.into()));
        for f in self.fields(case, ctx.rules) {
            if !f.required {
                continue;
            }
            let v = match &f.input {
                Input::Text | Input::LongText => Value::String("x".into()),
                Input::Date => Value::String(ctx.today().to_string()),
                Input::Number | Input::Hidden => Value::from(1),
                Input::Numbered(o) => {
                    let first = o.first().and_then(|(v, _)| v.parse::<u32>().ok());
                    Value::from(first.unwrap_or(1))
                }
                Input::Person(_) => Value::String(ctx.actor.to_string()),
                Input::People(..) => Value::Array(vec![Value::String(ctx.actor.to_string())]),
                Input::Select(o) | Input::Checks(o) => {
                    let first = o.first().map(|(v, _)| v.clone()).unwrap_or_default();
                    if matches!(f.input, Input::Checks(_)) {
                        Value::Array(vec![Value::String(first)])
                    } else {
                        Value::String(first)
                    }
                }
                Input::YesNo => Value::Bool(true),
                Input::Lines => Value::Array(vec![]),
            };
            put(&mut json, &f.name, v);
        }
        serde_json::from_value(Value::Object(json)).ok()
    }
}

/// A filled form as the command's JSON, or the problems with its fields.
pub fn to_json(
    command: &str,
    fields: &[Field],
    values: &Values,
) -> (Map<String, Value>, FieldErrors) {
    let mut json = Map::new();
    let mut errors = FieldErrors::default();
    json.insert("command".into(), Value::String(command.into()));
    let got = |name: &str| -> Vec<String> {
        values
            .get(name)
            .map(|v| {
                v.iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Groups whose first field was left empty (and need not be filled) are left out.
    let mut skipped = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    for f in fields {
        if let Some(g) = &f.group
            && seen.insert(g.clone())
            && !f.required
            && got(&f.name).is_empty()
        {
            skipped.insert(g.clone());
        }
    }
    for f in fields {
        if f.group.as_ref().is_some_and(|g| skipped.contains(g)) {
            continue;
        }
        let vals = got(&f.name);
        let lower = f.label.to_lowercase();
        if vals.is_empty() {
            if f.required {
                let verb = match f.input {
                    Input::Text | Input::LongText | Input::Date | Input::Number => "Enter",
                    _ => "Choose",
                };
                errors.add(&f.name, format!("{verb} {lower}."));
            }
            continue;
        }
        let one = vals[0].clone();
        let value = match &f.input {
            Input::Text | Input::LongText | Input::Select(_) | Input::Person(_) => {
                Value::String(one)
            }
            Input::Date => match one.parse::<jiff::civil::Date>() {
                Ok(d) => Value::String(d.to_string()),
                Err(_) => {
                    errors.add(
                        &f.name,
                        format!("Enter {lower} as a date, like 2026-03-31."),
                    );
                    continue;
                }
            },
            Input::Number | Input::Hidden | Input::Numbered(_) => match one.parse::<u32>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    errors.add(&f.name, format!("Enter {lower} as a whole number."));
                    continue;
                }
            },
            Input::YesNo => match one.as_str() {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                _ => {
                    errors.add(&f.name, "Choose yes or no.");
                    continue;
                }
            },
            Input::People(..) | Input::Checks(_) => {
                Value::Array(vals.into_iter().map(Value::String).collect())
            }
            Input::Lines => Value::Array(
                one.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.into()))
                    .collect(),
            ),
        };
        put(&mut json, &f.name, value);
    }
    (json, errors)
}
