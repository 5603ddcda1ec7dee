//! The organisation's rule book: clauses (with their wording over time), complaint
//! categories, the sanctions menu and the time limits, loaded from an administrator-edited
//! TOML file. Every rejection names the line and the field path.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Stage;
use crate::calendar::{TomlDoc, TomlProblem, WorkingDays, de_date, de_opt_date};

/// A numbered rule-book clause reference such as "2.1.8": 1–5 dot-separated unsigned
/// integers, no leading/trailing dots.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct ClauseRef(String);

impl ClauseRef {
    /// Leading zeros are refused so that one clause cannot be cited under two spellings.
    pub fn parse(s: &str) -> Result<ClauseRef, String> {
        let parts: Vec<&str> = s.split('.').collect();
        let find = |bad: fn(&&str) -> bool| parts.iter().find(|p| bad(p));
        let why = if s.is_empty() {
            "it is empty".to_owned()
        } else if parts.len() > 5 {
            format!("it has {} parts, but at most 5 are allowed", parts.len())
        } else if parts.iter().any(|p| p.is_empty()) {
            "it has a dot at the start or end, or two dots together".to_owned()
        } else if let Some(p) = find(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
            format!("\"{p}\" is not a number")
        } else if let Some(p) = find(|p| p.len() > 1 && p.starts_with('0')) {
            format!("\"{p}\" starts with a zero")
        } else if let Some(p) = find(|p| p.parse::<u32>().is_err()) {
            format!("{p} is too large")
        } else {
            return Ok(ClauseRef(s.to_owned()));
        };
        Err(format!(
            "\"{s}\" is not a clause reference: {why}; write numbers separated by dots, like 2.1.8"
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClauseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClauseRef {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ClauseRef::parse(&s)
    }
}

impl From<ClauseRef> for String {
    fn from(c: ClauseRef) -> String {
        c.0
    }
}

fn default_update_months() -> u32 {
    1
}

fn default_escalate_to() -> crate::role::Role {
    crate::role::Role::DisputesPanel
}

/// The default rule book's TOML, written out by `docket init` for an organisation to edit.
pub const DEFAULT_TOML: &str = include_str!("../data/default-rulebook.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBook {
    pub organisation: String,
    /// The role an overdue case is escalated to, besides oversight: whoever manages the
    /// case officers' work.
    #[serde(default = "default_escalate_to")]
    pub escalate_to: crate::role::Role,
    /// How often, in months, each party kept informed is written to while their case is
    /// open, whether or not anything changed.
    #[serde(default = "default_update_months")]
    pub update_months: u32,
    #[serde(default)]
    pub clauses: Vec<Clause>,
    #[serde(default)]
    pub categories: Vec<Category>,
    pub sanctions: Vec<SanctionKind>,
    pub time_limits: TimeLimits,
    pub panels: Panels,
    pub interim_measures: InterimMeasureRules,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: ClauseRef,
    pub title: String,
    /// Sorted by `in_force_from` (validated on load).
    pub versions: Vec<ClauseVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseVersion {
    pub version: u32,
    #[serde(deserialize_with = "de_date")]
    pub in_force_from: Date,
    /// Exclusive: the last day in force is the day before.
    // Omitted rather than null when serialised, because TOML has no null.
    #[serde(
        default,
        deserialize_with = "de_opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_force_until: Option<Date>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub independent_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanctionKind {
    pub code: String,
    pub name: String,
    /// A fixed live period, e.g. a warning stays on record for 6 months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_months: Option<u32>,
    /// The decision chooses a term of 1..=max months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_term_months: Option<u32>,
    #[serde(default)]
    pub ends_membership: bool,
    /// With `ends_membership`: the earliest reapply date is the decision date plus this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_reapply_months: Option<u32>,
}

/// The working days allowed in each open stage; a missing entry means no clock runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeLimits {
    pub received: Option<WorkingDays>,
    pub acknowledged: Option<WorkingDays>,
    pub assessed: Option<WorkingDays>,
    pub informal_resolution: Option<WorkingDays>,
    pub investigation: Option<WorkingDays>,
    pub draft_report: Option<WorkingDays>,
    pub accuracy_check: Option<WorkingDays>,
    pub charged: Option<WorkingDays>,
    pub hearing: Option<WorkingDays>,
    pub decided: Option<WorkingDays>,
    pub independent_review: Option<WorkingDays>,
    pub appeal_window: Option<WorkingDays>,
    pub appeal: Option<WorkingDays>,
    /// Not a stage: the time a notice of investigation gives the respondent to reply.
    pub respondent_reply: Option<WorkingDays>,
}

impl TimeLimits {
    /// None for closed stages or when unset.
    pub fn for_stage(&self, stage: Stage) -> Option<WorkingDays> {
        match stage {
            Stage::Received => self.received,
            Stage::Acknowledged => self.acknowledged,
            Stage::Assessed => self.assessed,
            Stage::InformalResolution => self.informal_resolution,
            Stage::Investigation => self.investigation,
            Stage::DraftReport => self.draft_report,
            Stage::AccuracyCheck => self.accuracy_check,
            Stage::Charged => self.charged,
            Stage::Hearing => self.hearing,
            Stage::Decided => self.decided,
            Stage::IndependentReview => self.independent_review,
            Stage::AppealWindow => self.appeal_window,
            Stage::Appeal => self.appeal,
            Stage::Dismissed
            | Stage::Resolved
            | Stage::NoFurtherAction
            | Stage::Final
            | Stage::SanctionLive
            | Stage::SanctionExpired
            | Stage::Withdrawn
            | Stage::Merged
            | Stage::RespondentResigned => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panels {
    pub hearing: u8,
    pub appeal: u8,
    /// Who may be drawn as an independent reviewer: by default nobody who has been a member
    /// in the last three years, so the reviewer is independent of the organisation.
    #[serde(default = "reviewer_eligibility")]
    pub reviewer_eligibility: crate::draw::Eligibility,
}

fn reviewer_eligibility() -> crate::draw::Eligibility {
    crate::draw::Eligibility {
        not_member_within_years: Some(3),
        member_for_years: None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterimMeasureRules {
    pub review_every: WorkingDays,
    pub whip_requires_leader_instruction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule book{}: {field}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct RuleBookError {
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl From<TomlProblem> for RuleBookError {
    fn from(p: TomlProblem) -> Self {
        RuleBookError {
            line: p.line,
            field: p.field,
            message: p.message,
        }
    }
}

impl RuleBook {
    /// The People's Alliance rule book shipped with Docket as a worked example.
    pub fn default_rules() -> RuleBook {
        RuleBook::from_toml(DEFAULT_TOML)
            .expect("the embedded default rule book is valid (checked by a unit test)")
    }

    pub fn from_toml(src: &str) -> Result<RuleBook, RuleBookError> {
        let (book, doc): (RuleBook, _) = TomlDoc::parse(src)?;
        book.validate(&doc)
            .map_err(|(field, message)| doc.problem(field, message))?;
        Ok(book)
    }

    /// The clause version in force on `on` (the date of the conduct):
    /// `in_force_from <= on < in_force_until`.
    pub fn clause_as_worded(&self, id: &ClauseRef, on: Date) -> Option<(&Clause, &ClauseVersion)> {
        let clause = self.clause(id)?;
        let version = clause
            .versions
            .iter()
            .find(|v| v.in_force_from <= on && v.in_force_until.is_none_or(|u| on < u))?;
        Some((clause, version))
    }

    pub fn clause(&self, id: &ClauseRef) -> Option<&Clause> {
        self.clauses.iter().find(|c| &c.id == id)
    }

    pub fn sanction(&self, code: &str) -> Option<&SanctionKind> {
        self.sanctions.iter().find(|s| s.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// The first problem as (field path, message), so the administrator fixes the
    /// top-most mistake first.
    fn validate(&self, doc: &TomlDoc<'_>) -> Result<(), Invalid> {
        let named = !self.organisation.trim().is_empty();
        check(named, "organisation", "give the organisation's name")?;
        use crate::role::Role;
        let staff = !matches!(
            self.escalate_to,
            Role::Complainant | Role::Respondent | Role::Officeholder
        );
        let msg = "escalations go to staff: a role such as \"disputes_panel\" or \"case_officer\"";
        check(staff, "escalate_to", msg)?;
        let months = (1..=12).contains(&self.update_months);
        check(
            months,
            "update_months",
            "write to the parties every 1 to 12 months",
        )?;
        for (i, c) in self.clauses.iter().enumerate() {
            let at = |f: &str| format!("clauses[{i}].{f}");
            if let Some(first) = self.clauses[..i].iter().position(|o| o.id == c.id) {
                let line = doc.line_of(&format!("clauses[{first}].id"));
                let line = line.map(|l| format!(" on line {l}")).unwrap_or_default();
                let msg = format!("clause {} is already defined{line}", c.id);
                return Err((at("id"), msg));
            }
            let titled = !c.title.trim().is_empty();
            check(titled, at("title"), "give the clause a short title")?;
            const NO_VERSIONS: &str = "add at least one [[clauses.versions]] with its wording";
            check(!c.versions.is_empty(), at("versions"), NO_VERSIONS)?;
            validate_versions(&at("versions"), &c.versions)?;
        }
        let categories: Vec<_> = self.categories.iter().map(|c| (&c.code, &c.name)).collect();
        validate_codes("categories", &categories)?;
        let sanctions: Vec<_> = self.sanctions.iter().map(|s| (&s.code, &s.name)).collect();
        validate_codes("sanctions", &sanctions)?;
        const BOTH: &str = "a sanction has either a fixed live period (live_months) or a term \
                            the panel chooses (max_term_months), not both";
        const REAPPLY: &str = "required when ends_membership = true: the months after the \
                               decision before the person may apply to rejoin";
        for (i, s) in self.sanctions.iter().enumerate() {
            let at = |f: &str| format!("sanctions[{i}].{f}");
            let months = [
                ("live_months", s.live_months),
                ("max_term_months", s.max_term_months),
                ("min_reapply_months", s.min_reapply_months),
            ];
            for (field, v) in months {
                check(
                    v != Some(0),
                    at(field),
                    "must be at least 1; leave it out instead",
                )?;
            }
            let both = s.live_months.is_some() && s.max_term_months.is_some();
            check(!both, at("max_term_months"), BOTH)?;
            let no_reapply = s.ends_membership && s.min_reapply_months.is_none();
            check(!no_reapply, at("min_reapply_months"), REAPPLY)?;
        }
        const NFA: &str = "the menu must include a sanction with code \"no_further_action\", \
                           the outcome when a complaint is not upheld";
        check(
            self.sanction("no_further_action").is_some(),
            "sanctions",
            NFA,
        )?;
        for stage in Stage::ALL.into_iter().filter(|s| s.is_open()) {
            let ok = self.time_limits.for_stage(stage) != Some(WorkingDays(0));
            let field = format!("time_limits.{}", stage.as_str());
            check(
                ok,
                field,
                "must be at least 1 working day; leave it out for no limit",
            )?;
        }
        let panels = [
            ("hearing", self.panels.hearing),
            ("appeal", self.panels.appeal),
        ];
        for (field, size) in panels {
            let msg = format!("a panel has 1 to 15 members, not {size}");
            check((1..=15).contains(&size), format!("panels.{field}"), msg)?;
        }
        let ok = self.interim_measures.review_every.0 > 0;
        check(
            ok,
            "interim_measures.review_every",
            "must be at least 1 working day",
        )
    }
}

/// A failed check: the field path and a message for the administrator.
type Invalid = (String, String);

fn check(ok: bool, field: impl Into<String>, message: impl Into<String>) -> Result<(), Invalid> {
    if ok {
        Ok(())
    } else {
        Err((field.into(), message.into()))
    }
}

fn validate_versions(at: &str, versions: &[ClauseVersion]) -> Result<(), Invalid> {
    for (j, v) in versions.iter().enumerate() {
        let field = |f: &str| format!("{at}[{j}].{f}");
        let expected = u32::try_from(j + 1).unwrap_or(u32::MAX);
        let msg = format!("versions are numbered 1, 2, 3… in order; this should be {expected}");
        check(v.version == expected, field("version"), msg)?;
        check(
            !v.text.trim().is_empty(),
            field("text"),
            "the wording is empty",
        )?;
        if let Some(until) = v.in_force_until {
            let msg = format!("{until} must be after in_force_from ({})", v.in_force_from);
            check(until > v.in_force_from, field("in_force_until"), msg)?;
        }
        let Some(prev) = j.checked_sub(1).and_then(|p| versions.get(p)) else {
            continue;
        };
        let (from, prev_from) = (v.in_force_from, prev.in_force_from);
        let msg = format!("list versions oldest first: this must be after {prev_from}");
        check(from > prev_from, field("in_force_from"), msg)?;
        let msg = format!(
            "version {} is still in force when version {} starts on {from}; set this to \
             {from} or earlier (the date is exclusive)",
            prev.version, v.version
        );
        let ended = prev.in_force_until.is_some_and(|u| u <= from);
        check(ended, format!("{at}[{}].in_force_until", j - 1), msg)?;
    }
    Ok(())
}

fn validate_codes(list: &str, entries: &[(&String, &String)]) -> Result<(), Invalid> {
    const BAD_CODE: &str = "use lowercase letters, digits and single underscores, starting \
                            with a letter (like other_conduct)";
    for (i, (code, name)) in entries.iter().enumerate() {
        let field = format!("{list}[{i}].code");
        let snake = code.starts_with(|c: char| c.is_ascii_lowercase())
            && !code.ends_with('_')
            && !code.contains("__")
            && code
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
        check(
            snake,
            &field,
            format!("\"{code}\" is not a valid code: {BAD_CODE}"),
        )?;
        if let Some(first) = entries[..i].iter().position(|(c, _)| c == code) {
            return Err((
                field,
                format!("\"{code}\" is already used by {list}[{first}]"),
            ));
        }
        let msg = "give a name people will read in letters and reports";
        check(!name.trim().is_empty(), format!("{list}[{i}].name"), msg)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    // Line numbers in the cases below refer to this document; appended text starts on 20.
    const BASE: &str = r#"organisation = "Test"
[time_limits]
received = 5
[panels]
hearing = 3
appeal = 3
[interim_measures]
review_every = 60
whip_requires_leader_instruction = true
[[sanctions]]
code = "no_further_action"
name = "No further action"
[[clauses]]
id = "1.1"
title = "A"
[[clauses.versions]]
version = 1
in_force_from = 2015-01-01
text = "t"
"#;

    // Shorthands for the edits below.
    const SHORTHANDS: [(&str, &str); 3] = [
        (
            "$V2",
            "[[clauses.versions]]\nversion = 2\ntext = \"u\"\nin_force_from = ",
        ),
        (
            "$ENDED",
            "2015-01-01 => 2015-01-01\nin_force_until = 2020-01-01",
        ),
        (
            "$SANCTION",
            "[[sanctions]]\ncode = \"warning\"\nname = \"Warning\"\n",
        ),
    ];

    /// Edits BASE: `"a => b"` replaces the first `a` with `b`, `"+ text"` appends, and
    /// several edits are joined with " ;; ".
    fn edited(edits: &str) -> String {
        let mut edits = edits.to_owned();
        for (name, text) in SHORTHANDS {
            edits = edits.replace(name, text);
        }
        let mut src = BASE.to_owned();
        for e in edits.split(" ;; ") {
            if let Some(extra) = e.strip_prefix("+ ") {
                src.push_str(extra);
            } else if let Some((from, to)) = e.split_once(" => ") {
                assert!(src.contains(from), "{from:?} is not in the document");
                src = src.replacen(from, to, 1);
            }
        }
        src
    }

    /// Each case is "LINE FIELD | EDITS", with `-` for no line.
    const REJECTIONS: &[&str] = &[
        // Syntax and type errors, found by the TOML reader.
        "3 time_limits.received | received = 5 => received = 5 x",
        "4 panels | [panels] => [panels",
        "5 panels.hearing | hearing = 3 => hearing = -3",
        "5 panels.hearing | hearing = 3 => hearing = \"three\"",
        "6 panels.apeal | appeal = 3 => apeal = 3",
        "4 time_limits.dismissed | received = 5 => received = 5\ndismissed = 3",
        "- organisation | organisation = \"Test\"\n => ",
        "13 clauses[0].title | title = \"A\"\n => ",
        "14 clauses[0].id | id = \"1.1\" => id = \"1..1\"",
        "18 clauses[0].versions[0].in_force_from | 2015-01-01 => 2015-02-30",
        "18 clauses[0].versions[0].in_force_from | 2015-01-01 => 2015-01-01T10:00:00",
        "23 clauses[0].versions[1].in_force_from | + $V22016-01-01 x\n",
        // Top-level values.
        "1 organisation | \"Test\" => \"  \"",
        "3 time_limits.received | received = 5 => received = 0",
        "5 panels.hearing | hearing = 3 => hearing = 0",
        "6 panels.appeal | appeal = 3 => appeal = 16",
        "8 interim_measures.review_every | review_every = 60 => review_every = 0",
        // Clauses and their versions.
        "21 clauses[1].id | + [[clauses]]\nid = \"1.1\"\ntitle = \"B\"\n$V22016-01-01",
        "15 clauses[0].title | title = \"A\" => title = \"\"",
        "23 clauses[1].versions | + [[clauses]]\nid = \"1.2\"\ntitle = \"B\"\nversions = []\n",
        "17 clauses[0].versions[0].version | version = 1 => version = 2",
        "19 clauses[0].versions[0].text | text = \"t\" => text = \" \"",
        "19 clauses[0].versions[0].in_force_until | $ENDED ;; 2020-01-01 => 2015-01-01",
        "19 clauses[0].versions[0].in_force_until | $ENDED ;; 2020-01-01 => 2020-13-01",
        // Open-ended version 1 before a version 2: reported at its header, where the date goes.
        "16 clauses[0].versions[0].in_force_until | + $V22020-01-01\n",
        "19 clauses[0].versions[0].in_force_until | $ENDED ;; + $V22019-12-31\n",
        "24 clauses[0].versions[1].in_force_from | $ENDED ;; + $V22014-01-01\n",
        // Categories and sanctions.
        "21 categories[0].code | + [[categories]]\ncode = \"Other-Conduct\"\nname = \"X\"\n",
        "21 categories[0].code | + [[categories]]\ncode = \"x_\"\nname = \"X\"\n",
        "22 categories[0].name | + [[categories]]\ncode = \"bullying\"\nname = \"\"\n",
        "24 sanctions[2].code | + $SANCTION$SANCTION",
        "24 sanctions[1].max_term_months | + $SANCTIONlive_months = 6\nmax_term_months = 6\n",
        "20 sanctions[1].min_reapply_months | + $SANCTIONends_membership = true\n",
        "23 sanctions[1].live_months | + $SANCTIONlive_months = 0\n",
        "10 sanctions | \"no_further_action\" => \"nfa\"",
    ];

    #[test]
    fn each_rejection_names_its_line_and_field() {
        for case in REJECTIONS {
            let (expected, edits) = case.split_once(" | ").expect("case has a |");
            let (line, field) = expected.split_once(' ').expect("case has line and field");
            let src = edited(edits);
            let e = RuleBook::from_toml(&src).expect_err(case);
            let got = (
                e.line.map_or("-".to_owned(), |l| l.to_string()),
                e.field.as_str(),
            );
            assert_eq!(got, (line.to_owned(), field), "{e}\n--- source ---\n{src}");
            assert!(!e.message.is_empty());
        }
        // Adjacent versions (the end date is exclusive) and gaps between them are fine.
        for from in ["2020-01-01", "2021-01-01"] {
            let src = edited(&format!("$ENDED ;; + $V2{from}\n"));
            assert!(RuleBook::from_toml(&src).is_ok(), "{src}");
        }
    }

    #[test]
    fn errors_display_line_and_field() {
        let e = RuleBook::from_toml(&edited("received = 5 => received = 0")).expect_err("zero");
        assert!(
            e.to_string()
                .starts_with("rule book line 3: time_limits.received: "),
            "{e}"
        );
        let e = RuleBook::from_toml(&edited("organisation = \"Test\"\n => ")).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "rule book: organisation: missing field `organisation`"
        );
        let dup = "+ [[clauses]]\nid = \"1.1\"\ntitle = \"B\"\n$V22016-01-01";
        let e = RuleBook::from_toml(&edited(dup)).expect_err("duplicate");
        assert!(e.message.contains("already defined on line 14"), "{e}");
    }

    #[test]
    fn the_update_interval_and_escalation_role_are_checked() {
        let book = RuleBook::from_toml(BASE).expect("valid");
        assert_eq!(book.update_months, 1, "monthly unless set");
        assert_eq!(book.escalate_to, crate::role::Role::DisputesPanel);
        let set =
            edited("organisation = \"Test\"\n => organisation = \"Test\"\nupdate_months = 3\n");
        assert_eq!(RuleBook::from_toml(&set).expect("valid").update_months, 3);
        for (setting, field) in [
            ("update_months = 0", "update_months"),
            ("update_months = 13", "update_months"),
            ("escalate_to = \"respondent\"", "escalate_to"),
        ] {
            let src = edited(&format!(
                "organisation = \"Test\"\n => organisation = \"Test\"\n{setting}\n"
            ));
            let e = RuleBook::from_toml(&src).expect_err(setting);
            assert_eq!(e.field, field, "{e}");
        }
    }

    #[test]
    fn base_document_is_valid() {
        let book = RuleBook::from_toml(BASE).expect("valid");
        assert_eq!(
            book.time_limits.for_stage(Stage::Received),
            Some(WorkingDays(5))
        );
        assert_eq!(book.time_limits.for_stage(Stage::Hearing), None);
    }

    #[test]
    fn default_rule_book_parses_and_has_the_documented_content() {
        let book = RuleBook::default_rules();
        assert_eq!(book.organisation, "The People's Alliance");
        let reviewed: Vec<&str> = book
            .categories
            .iter()
            .filter(|c| c.independent_review)
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(
            reviewed,
            ["antisemitism", "other_racism", "sexual_harassment"]
        );
        assert_eq!(book.categories.len(), 6);
        assert_eq!(book.sanctions.len(), 10);
        assert_eq!(
            book.sanction("warning").and_then(|s| s.live_months),
            Some(6)
        );
        assert_eq!(
            book.sanction("bar_on_standing")
                .and_then(|s| s.max_term_months),
            Some(60)
        );
        let expulsion = book.sanction("expulsion").expect("present");
        assert!(expulsion.ends_membership);
        assert_eq!(expulsion.min_reapply_months, Some(60));
        assert!(
            book.category("bullying")
                .is_some_and(|c| !c.independent_review)
        );
        assert_eq!(
            book.time_limits.for_stage(Stage::Charged),
            Some(WorkingDays(40))
        );
        assert_eq!((book.panels.hearing, book.panels.appeal), (3, 3));
        assert_eq!(book.interim_measures.review_every, WorkingDays(60));
        assert!(book.interim_measures.whip_requires_leader_instruction);
        for stage in Stage::ALL {
            assert_eq!(
                book.time_limits.for_stage(stage).is_some(),
                stage.is_open(),
                "{stage}"
            );
        }
    }

    #[test]
    fn clause_wording_follows_the_date_of_the_conduct() {
        let book = RuleBook::default_rules();
        let id = ClauseRef::parse("2.1.4").expect("valid");
        let on = |d| book.clause_as_worded(&id, d).map(|(_, v)| v.version);
        assert_eq!(on(date(2014, 12, 31)), None);
        assert_eq!(on(date(2015, 1, 1)), Some(1));
        assert_eq!(on(date(2025, 5, 21)), Some(1));
        assert_eq!(on(date(2025, 5, 22)), Some(2));
        let (clause, v2) = book
            .clause_as_worded(&id, date(2030, 1, 1))
            .expect("in force");
        assert_eq!(clause.title, "Harassment and bullying");
        assert!(v2.text.contains("online"));
        let id = ClauseRef::parse("2.1.8").expect("valid");
        assert!(book.clause_as_worded(&id, date(2026, 6, 1)).is_some());
        let missing = ClauseRef::parse("9.9").expect("valid");
        assert!(book.clause_as_worded(&missing, date(2026, 6, 1)).is_none());
        assert!(book.clause(&missing).is_none());
    }

    #[test]
    fn clause_refs() {
        for ok in ["2", "2.1.8", "1.2.3.4.5", "10.0.7"] {
            assert_eq!(
                ClauseRef::parse(ok).map(|c| c.to_string()),
                Ok(ok.to_owned())
            );
        }
        for bad in [
            "",
            ".1",
            "1.",
            "1..2",
            "1.2.3.4.5.6",
            "a.1",
            "2.1.08",
            "1 .2",
            "-1",
            "99999999999",
        ] {
            assert!(ClauseRef::parse(bad).is_err(), "{bad:?} accepted");
        }
        let c: ClauseRef = serde_json::from_str("\"2.1.8\"").expect("valid");
        assert_eq!(serde_json::to_string(&c).expect("serialises"), "\"2.1.8\"");
        assert!(serde_json::from_str::<ClauseRef>("\"2..8\"").is_err());
        assert_eq!(String::from(c), "2.1.8");
    }

    #[test]
    fn round_trips_through_json_and_toml() {
        let book = RuleBook::default_rules();
        let mut json = serde_json::to_value(&book).expect("serialises");
        assert_eq!(
            serde_json::from_value::<RuleBook>(json.clone()).expect("parses"),
            book
        );
        // Other producers of JSON may write an absent end date as null.
        json["clauses"][0]["versions"][0]["in_force_until"] = serde_json::Value::Null;
        assert_eq!(
            serde_json::from_value::<RuleBook>(json).expect("parses"),
            book
        );
        let toml_text = toml::to_string(&book).expect("serialises");
        assert_eq!(RuleBook::from_toml(&toml_text).expect("parses"), book);
    }
}
