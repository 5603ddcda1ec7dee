//! Notices rendered from case data with templates an organisation can edit, and issued in the
//! same append as the command that called for them (`Docket::prepare`), so a notice can no
//! more be lost than the event that caused it. The shipped templates are in
//! `crates/server/notices/`; a file of the same name in `DIR/notices/` replaces one. Every
//! template is tried against a sample case when Docket starts, so a broken edit stops the
//! server with the file named rather than failing a command later.

mod context;
pub mod pdf;

use crate::service::ServiceError;
use docket_domain::calendar::Calendar;
use docket_domain::case::Case;
use docket_domain::command::Party;
use docket_domain::notice::NoticeKind;
use docket_domain::rulebook::RuleBook;
use minijinja::Environment;
use std::path::Path;

pub use context::NoticeContext;

const LAYOUT: &str = "_layout.html";

/// The shipped templates, by file name.
const SHIPPED: [(&str, &str); 17] = [
    (LAYOUT, include_str!("../../notices/_layout.html")),
    (
        "acknowledgement.txt",
        include_str!("../../notices/acknowledgement.txt"),
    ),
    (
        "acknowledgement.html",
        include_str!("../../notices/acknowledgement.html"),
    ),
    (
        "notice_of_investigation.txt",
        include_str!("../../notices/notice_of_investigation.txt"),
    ),
    (
        "notice_of_investigation.html",
        include_str!("../../notices/notice_of_investigation.html"),
    ),
    (
        "interim_measure.txt",
        include_str!("../../notices/interim_measure.txt"),
    ),
    (
        "interim_measure.html",
        include_str!("../../notices/interim_measure.html"),
    ),
    (
        "charge_sheet.txt",
        include_str!("../../notices/charge_sheet.txt"),
    ),
    (
        "charge_sheet.html",
        include_str!("../../notices/charge_sheet.html"),
    ),
    (
        "hearing_notice.txt",
        include_str!("../../notices/hearing_notice.txt"),
    ),
    (
        "hearing_notice.html",
        include_str!("../../notices/hearing_notice.html"),
    ),
    (
        "outcome_letter.txt",
        include_str!("../../notices/outcome_letter.txt"),
    ),
    (
        "outcome_letter.html",
        include_str!("../../notices/outcome_letter.html"),
    ),
    (
        "appeal_outcome.txt",
        include_str!("../../notices/appeal_outcome.txt"),
    ),
    (
        "appeal_outcome.html",
        include_str!("../../notices/appeal_outcome.html"),
    ),
    ("update.txt", include_str!("../../notices/update.txt")),
    ("update.html", include_str!("../../notices/update.html")),
];

/// A notice as rendered: the subject (the text template's first line, after "Subject:"),
/// the plain text, and the HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The notice templates in force: the shipped ones, with any an organisation replaced.
#[derive(Debug)]
pub struct NoticeTemplates {
    env: Environment<'static>,
    /// The files that replaced shipped ones, for the start-up message.
    pub replaced: Vec<String>,
}

impl NoticeTemplates {
    pub fn shipped() -> NoticeTemplates {
        // The shipped templates are tried by the tests; failing here is a broken build.
        NoticeTemplates::with(&[]).expect("the shipped notice templates are valid")
    }

    /// The shipped templates with `DIR/notices/*.html|*.txt` in place of those they name.
    /// A file that names no template, or does not compile, or fails on the sample case, is
    /// refused with its name and the problem.
    pub fn load(dir: Option<&Path>) -> Result<NoticeTemplates, String> {
        let Some(dir) = dir.filter(|d| d.is_dir()) else {
            return NoticeTemplates::with(&[]);
        };
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !SHIPPED.iter().any(|(n, _)| *n == name) {
                return Err(format!(
                    "{}: there is no notice template called {name}; the templates are {}",
                    path.display(),
                    SHIPPED
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push((name, text));
        }
        NoticeTemplates::with(&files)
    }

    fn with(replaced: &[(String, String)]) -> Result<NoticeTemplates, String> {
        let mut env = Environment::new();
        // A value the template names but the case does not have renders as nothing rather
        // than failing a command in the middle of the process.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        for (name, shipped) in SHIPPED {
            let source = replaced
                .iter()
                .find(|(n, _)| n == name)
                .map_or(shipped.to_string(), |(_, t)| t.clone());
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| format!("notice template {name}: {e}"))?;
        }
        let templates = NoticeTemplates {
            env,
            replaced: replaced.iter().map(|(n, _)| n.clone()).collect(),
        };
        let sample = NoticeContext::sample();
        for kind in NoticeKind::ALL {
            templates.render_context(kind, &sample)?;
        }
        Ok(templates)
    }

    /// Renders `kind` for `to` from the case as it stands.
    pub fn render(
        &self,
        kind: NoticeKind,
        to: Party,
        case: &Case,
        rules: &RuleBook,
        calendar: &Calendar,
        issued_on: jiff::civil::Date,
    ) -> Result<Rendered, ServiceError> {
        let ctx = NoticeContext::of(case, rules, calendar, to, issued_on);
        self.render_context(kind, &ctx)
            .map_err(|e| ServiceError::Corrupt(format!("a notice could not be written: {e}")))
    }

    pub fn render_context(
        &self,
        kind: NoticeKind,
        ctx: &NoticeContext,
    ) -> Result<Rendered, String> {
        let render = |file: String| -> Result<String, String> {
            let t = self
                .env
                .get_template(&file)
                .map_err(|e| format!("notice template {file}: {e}"))?;
            t.render(minijinja::Value::from(minijinja::value::Serde(ctx)))
                .map_err(|e| format!("notice template {file}: {e}"))
        };
        let text = render(format!("{}.txt", kind.as_str()))?;
        let html = render(format!("{}.html", kind.as_str()))?;
        let (first, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let Some(subject) = first.strip_prefix("Subject:") else {
            return Err(format!(
                "notice template {}.txt: its first line must be \"Subject: …\"",
                kind.as_str()
            ));
        };
        Ok(Rendered {
            subject: subject.trim().to_string(),
            text: body.trim_start_matches('\n').to_string(),
            html,
        })
    }
}

/// The notice as a PDF letter: its subject as a heading, then the text's paragraphs.
pub fn to_pdf(subject: &str, text: &str) -> Vec<u8> {
    use pdf::Block;
    let mut blocks = vec![Block::Heading(subject.to_string()), Block::Gap];
    for para in text.split("\n\n") {
        let para = para.trim_matches('\n');
        if para.is_empty() {
            continue;
        }
        blocks.push(Block::Paragraph(para.to_string()));
        blocks.push(Block::Gap);
    }
    pdf::letter_pdf(subject, &blocks)
}

impl crate::service::Docket {
    /// The `NoticeIssued` event for `kind` to `to`, rendered from the case as it stands.
    pub fn issue_notice(
        &self,
        case: &Case,
        kind: NoticeKind,
        to: Party,
        now: jiff::Timestamp,
    ) -> Result<docket_domain::event::CaseEvent, ServiceError> {
        let day = docket_domain::case::day_of(now);
        let r = self
            .notices
            .render(kind, to, case, &self.rules, &self.calendar, day)?;
        Ok(docket_domain::event::CaseEvent::NoticeIssued {
            number: case.notices.len() as u32 + 1,
            kind,
            to,
            sha256: crate::evidence::sha256_hex(r.html.as_bytes()),
            subject: r.subject,
            text: r.text,
            html: r.html,
        })
    }
}

/// The name a party's refused request for someone else's notice is recorded under.
pub const NOT_THEIRS: &str = "parties-read-only-their-own-notices";

impl crate::service::Docket {
    /// Opens notice `number` as `who`: staff through the gate as the case file; a party as
    /// their own part of the case, and only a notice addressed to them (any other, or one
    /// that does not exist, is refused alike and the refusal recorded).
    pub async fn open_notice(
        &self,
        case_id: &docket_domain::ids::CaseId,
        number: u32,
        who: &docket_domain::role::Principal,
        now: jiff::Timestamp,
    ) -> Result<docket_domain::notice::IssuedNotice, ServiceError> {
        use docket_domain::view::CasePart;
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        let missing = || ServiceError::NoNotice {
            case: case_id.clone(),
            number,
        };
        let Some(party) = crate::evidence::party_of(who, &case) else {
            let case = self.open_case(case_id, who, CasePart::File, now).await?;
            return case
                .notices
                .into_iter()
                .find(|n| n.number == number)
                .ok_or_else(missing);
        };
        let part = match party {
            Party::Respondent => CasePart::Allegations,
            Party::Complainant => CasePart::Complaint,
        };
        let action = crate::access::read_action(part);
        self.authorize(who, action, crate::access::Target::Case(&case), now)
            .await?;
        match case
            .notices
            .iter()
            .find(|n| n.number == number && n.to == party)
        {
            Some(n) => {
                self.record_view(case_id, &who.person, part, now).await?;
                Ok(n.clone())
            }
            None => Err(self
                .refuse_recorded(
                    who,
                    action,
                    &case,
                    NOT_THEIRS,
                    format!("notice {number} was not sent to you: each party reads the notices addressed to them"),
                    now,
                )
                .await),
        }
    }
}
