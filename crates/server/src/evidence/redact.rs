//! Redacting a plain-text file on the server: named words and phrases (a complainant's
//! name, an address) replaced wherever they occur, in any letter case, and the result added
//! as a redacted copy of the file. The original is never changed: the copy is a new item
//! with its own hash, linked to it (see `Redaction`).

use crate::service::{Docket, ServiceError};
use docket_domain::case::Case;
use docket_domain::evidence::{EvidenceItem, Redaction};
use docket_domain::ids::{CaseId, Text};
use docket_domain::role::Principal;
use docket_domain::rule::Violation;
use jiff::Timestamp;

/// What each redacted passage becomes.
pub const MARK: &str = "[redacted]";

/// The most words and phrases one redaction names.
pub const MOST_TERMS: usize = 50;

/// Plain-text files up to this size are redacted here (they are opened whole).
pub const REDACTED_UP_TO: u64 = super::contents::WHOLE_UP_TO;

/// `text` with every occurrence of each term, in any letter case, replaced by [`MARK`], and
/// how many were replaced. Longer terms go first, so "Jane Smith" is taken out whole
/// before "Jane" could split it.
pub fn redact(text: &str, terms: &[String]) -> (String, usize) {
    let mut terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().flat_map(char::to_lowercase).collect())
        .collect();
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    // Compared letter by letter in lower case; the text's own characters are kept where
    // nothing matched, so only the passages named change.
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<Vec<char>> = chars.iter().map(|c| c.to_lowercase().collect()).collect();
    let (mut out, mut count, mut i) = (String::with_capacity(text.len()), 0usize, 0usize);
    'next: while i < chars.len() {
        for term in &terms {
            if let Some(len) = match_at(&lower[i..], term) {
                out.push_str(MARK);
                count += 1;
                i += len;
                continue 'next;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    (out, count)
}

/// How many characters of `text` (each already in lower case) `term` matches at its start.
fn match_at(text: &[Vec<char>], term: &[char]) -> Option<usize> {
    let (mut used, mut t) = (0usize, 0usize);
    while t < term.len() {
        let c = text.get(used)?;
        if term.get(t..t + c.len())? != c.as_slice() {
            return None;
        }
        t += c.len();
        used += 1;
    }
    Some(used)
}

/// The copy's name: the original's with "-redacted" before its extension.
fn copy_name(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-redacted.{ext}"),
        _ => format!("{filename}-redacted"),
    }
}

impl Docket {
    /// Adds a redacted copy of plain-text item `number`, with `terms` taken out, as `who`:
    /// the original is read through the gate (the read recorded), and the copy added as
    /// any upload is (its hash in the log, linked to the original, with the reasons).
    pub async fn redact_text(
        &self,
        case_id: &CaseId,
        number: u32,
        terms: &[String],
        reasons: Text,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        let terms: Vec<String> = terms
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if terms.is_empty() {
            return Err(Violation::invalid(
                "terms",
                "name at least one word or phrase to take out",
            )
            .into());
        }
        if terms.len() > MOST_TERMS {
            return Err(Violation::invalid(
                "terms",
                format!("name at most {MOST_TERMS} words or phrases in one redaction"),
            )
            .into());
        }
        let contents = self.open_evidence(case_id, number, who, now).await?;
        let item = contents.item().clone();
        if item.media_type != "text/plain" {
            return Err(Violation::invalid(
                "item",
                format!(
                    "item {number} ({}) is {}, not plain text: redact it with another program and upload the result as a redacted copy",
                    item.filename, item.media_type
                ),
            )
            .into());
        }
        if item.size > REDACTED_UP_TO {
            return Err(Violation::invalid(
                "item",
                format!(
                    "item {number} is {}; text files up to {} are redacted here: redact it with another program and upload the result as a redacted copy",
                    super::human_size(item.size),
                    super::human_size(REDACTED_UP_TO)
                ),
            )
            .into());
        }
        let bytes = contents.whole().await?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ServiceError::Corrupt(format!("evidence item {number} is not UTF-8")))?;
        let (copy, count) = redact(&text, &terms);
        if count == 0 {
            return Err(Violation::invalid(
                "terms",
                format!(
                    "none of these words or phrases appear in item {number} ({}), so there is nothing to take out",
                    item.filename
                ),
            )
            .into());
        }
        self.add_redaction(
            case_id,
            &copy_name(&item.filename),
            Redaction {
                original: number,
                reasons,
            },
            copy.as_bytes(),
            who,
            now,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_occurrence_goes_in_any_case_and_nothing_else_changes() {
        let (out, n) = redact(
            "Jane Smith said JANE smith and jane left. Janet stayed.",
            &terms(&["jane smith", "Jane"]),
        );
        assert_eq!(
            out,
            "[redacted] said [redacted] and [redacted] left. [redacted]t stayed."
        );
        assert_eq!(n, 4);
    }

    #[test]
    fn letters_outside_ascii_are_matched_by_case_too() {
        let (out, n) = redact("Zoë ÅSE met zoë åse.", &terms(&["zoë åse"]));
        assert_eq!(out, "[redacted] met [redacted].");
        assert_eq!(n, 2);
    }

    #[test]
    fn blank_terms_and_no_match_change_nothing() {
        let text = "Nothing to see.";
        assert_eq!(redact(text, &terms(&["  ", "absent"])), (text.into(), 0));
    }

    #[test]
    fn the_copy_is_named_after_the_original() {
        assert_eq!(copy_name("statement.txt"), "statement-redacted.txt");
        assert_eq!(copy_name("notes"), "notes-redacted");
        assert_eq!(copy_name(".profile"), ".profile-redacted");
    }
}
