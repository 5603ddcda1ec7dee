//! Loading policy files: the shipped default first, then an organisation's own files, each
//! policy named by its `@id` and explained by its `@reason`, and the whole set validated
//! against the schema in strict mode. A file that fails is refused with its name, the line
//! and the problem, so whoever wrote it can fix it.

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};
use miette::Diagnostic;
use std::collections::HashMap;
use std::str::FromStr;

/// The name errors give the schema text.
pub const SCHEMA_FILE: &str = "docket.cedarschema";

/// A policy file or schema Docket refused to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{file}: {problem}")]
    Schema { file: String, problem: String },
    #[error("{file}, line {line}, column {column}: {problem}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        problem: String,
    },
    #[error(
        "{file}, line {line}: this policy has no @id(\"...\") annotation; every policy needs one so decisions can name it"
    )]
    MissingId { file: String, line: usize },
    #[error("{file}, line {line}: the policy id \"{id}\" is already used in {first}")]
    DuplicateId {
        file: String,
        line: usize,
        id: String,
        first: String,
    },
    #[error(
        "{file}, line {line}: policy {id} is a template (it has ?principal or ?resource slots); Docket loads only complete policies"
    )]
    Template {
        file: String,
        line: usize,
        id: String,
    },
    #[error("{file}, line {line}: policy {id} does not fit the schema: {problem}")]
    Invalid {
        file: String,
        line: usize,
        id: String,
        problem: String,
    },
}

impl PolicyError {
    /// The file the problem is in.
    pub fn file(&self) -> &str {
        match self {
            PolicyError::Schema { file, .. }
            | PolicyError::Syntax { file, .. }
            | PolicyError::MissingId { file, .. }
            | PolicyError::DuplicateId { file, .. }
            | PolicyError::Template { file, .. }
            | PolicyError::Invalid { file, .. } => file,
        }
    }
}

/// Where a loaded policy came from and what it says in words.
#[derive(Debug, Clone)]
pub(super) struct About {
    pub id: String,
    pub file: String,
    pub reason: String,
    /// Its place in load order (files in order, policies in file order).
    pub order: usize,
}

#[derive(Debug)]
pub(super) struct Loaded {
    pub set: PolicySet,
    pub about: HashMap<PolicyId, About>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The first source offset a diagnostic points at, if any.
fn offset_of(d: &dyn Diagnostic) -> Option<usize> {
    d.labels().and_then(|mut ls| ls.next()).map(|l| l.offset())
}

/// A diagnostic's message with its help, if it has any.
fn explain(d: &dyn Diagnostic) -> String {
    match d.help() {
        Some(help) => format!("{d} ({help})"),
        None => d.to_string(),
    }
}

pub(super) fn schema(text: &str) -> Result<Schema, PolicyError> {
    let (schema, _warnings) = Schema::from_cedarschema_str(text).map_err(|e| {
        let at = offset_of(&e).map(|o| line_col(text, o));
        PolicyError::Schema {
            file: SCHEMA_FILE.to_string(),
            problem: match at {
                Some((line, column)) => format!("line {line}, column {column}: {}", explain(&e)),
                None => explain(&e),
            },
        }
    })?;
    Ok(schema)
}

/// Parses every file, renames each policy to its `@id`, and validates the whole set.
pub(super) fn policies(schema: &Schema, files: &[(&str, &str)]) -> Result<Loaded, PolicyError> {
    let mut set = PolicySet::new();
    let mut about: HashMap<PolicyId, About> = HashMap::new();
    for (file, text) in files {
        let parsed = PolicySet::from_str(text).map_err(|e| {
            let (line, column) = offset_of(&e).map_or((1, 1), |o| line_col(text, o));
            PolicyError::Syntax {
                file: file.to_string(),
                line,
                column,
                problem: explain(&e),
            }
        })?;
        // A policy's own text is a slice of the file: where it starts gives its line.
        let line_of = |source: String| {
            text.find(source.as_str())
                .map_or((usize::MAX, 0), |o| (o, line_col(text, o).0))
        };
        if let Some(t) = parsed.templates().next() {
            let (_, line) = line_of(t.to_string());
            return Err(PolicyError::Template {
                file: file.to_string(),
                line,
                id: t.annotation("id").unwrap_or(t.id().as_ref()).to_string(),
            });
        }
        let mut in_file: Vec<_> = parsed
            .policies()
            .map(|p| (line_of(p.to_string()), p))
            .collect();
        in_file.sort_by_key(|((offset, _), _)| *offset);
        for ((_, line), p) in in_file {
            let id = match p.annotation("id").map(str::trim) {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => {
                    return Err(PolicyError::MissingId {
                        file: file.to_string(),
                        line,
                    });
                }
            };
            let pid = PolicyId::new(&id);
            if let Some(first) = about.get(&pid) {
                return Err(PolicyError::DuplicateId {
                    file: file.to_string(),
                    line,
                    id,
                    first: first.file.clone(),
                });
            }
            let reason = p
                .annotation("reason")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .unwrap_or(&id)
                .to_string();
            set.add(p.new_id(pid.clone()))
                .map_err(|e| PolicyError::DuplicateId {
                    file: file.to_string(),
                    line,
                    id: format!("{id} ({e})"),
                    first: file.to_string(),
                })?;
            let order = about.len();
            about.insert(
                pid,
                About {
                    id,
                    file: file.to_string(),
                    reason,
                    order,
                },
            );
        }
    }
    let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
    let first = result
        .validation_errors()
        .filter_map(|e| about.get(e.policy_id()).map(|a| (a, e)))
        .min_by_key(|(a, e)| (a.order, offset_of(*e)));
    if let Some((a, e)) = first {
        let text = files
            .iter()
            .find(|(f, _)| *f == a.file)
            .map_or("", |(_, t)| *t);
        let line = offset_of(e).map_or(0, |o| line_col(text, o).0);
        return Err(PolicyError::Invalid {
            file: a.file.clone(),
            line,
            id: a.id.clone(),
            problem: explain(e),
        });
    }
    if let Some(e) = result.validation_errors().next() {
        // Not reachable: every policy in the set was recorded above.
        return Err(PolicyError::Invalid {
            file: String::from("(unknown file)"),
            line: 0,
            id: e.policy_id().to_string(),
            problem: explain(e),
        });
    }
    Ok(Loaded { set, about })
}
