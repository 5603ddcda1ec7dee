//! Evidence files on a case. The file itself lives in the store as a blob named by its
//! SHA-256; the log records the hash on arrival, so anyone holding a copy can later check it
//! is the file the case received, and a stored file altered afterwards is caught on reading.

use crate::ids::PersonId;
use crate::rule::Violation;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest original filename kept: long enough for any real name, short enough to show.
pub const MAX_FILENAME_CHARS: usize = 200;

/// One file as the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceItem {
    /// 1-based, per case, in order of arrival.
    pub number: u32,
    /// Lowercase hex SHA-256 of the file's bytes: also the blob's name in the store.
    pub sha256: String,
    /// The name the uploader's file had, sanitised; shown to people, never used as a path.
    pub filename: String,
    /// Detected from the content, not taken from the uploader.
    pub media_type: String,
    pub size: u64,
    /// Set when this item is a redacted copy of an earlier one. The original is never
    /// changed: the copy is a file of its own, with its own hash in the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction_of: Option<Redaction>,
}

/// What a redacted copy was made from, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Redaction {
    /// The item the copy was made from.
    pub original: u32,
    /// What was taken out and why (say, the complainant's name and address, before the
    /// copy is disclosed to the respondent).
    pub reasons: crate::ids::Text,
}

/// An item with who added it and when (from the event's envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    pub item: EvidenceItem,
    pub added_at: Timestamp,
    pub added_by: PersonId,
    /// The parties this item has been disclosed to, in the order it was.
    #[serde(default)]
    pub disclosed_to: Vec<crate::command::Party>,
    /// The copies parties were given where it was not the file itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<(crate::command::Party, PartyCopy)>,
}

/// The copy of a file a party is given when it is not the file itself: the same file with
/// identifying metadata (a photo's GPS position, a document's author) taken out. The
/// original is kept as it arrived; the copy is made again, the same, at each download and
/// checked against this hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartyCopy {
    /// Lowercase hex SHA-256 of the copy's bytes.
    pub sha256: String,
    pub size: u64,
    /// What was taken out, as people read it ("EXIF (including GPS)").
    pub removed: Vec<String>,
}

impl Evidence {
    pub fn disclosed_to(&self, party: crate::command::Party) -> bool {
        self.disclosed_to.contains(&party)
    }

    /// The copy `party` was given, when it was not the file itself.
    pub fn copy_for(&self, party: crate::command::Party) -> Option<&PartyCopy> {
        self.copies
            .iter()
            .find(|(p, _)| *p == party)
            .map(|(_, c)| c)
    }

    /// The item as `party` is given it: the hash and size of their copy, and no word of
    /// what a redaction took out (its reasons may say more than the copy does).
    pub fn as_given_to(&self, party: crate::command::Party) -> EvidenceItem {
        let mut item = self.item.clone();
        item.redaction_of = None;
        if let Some(copy) = self.copy_for(party) {
            item.sha256 = copy.sha256.clone();
            item.size = copy.size;
        }
        item
    }

    /// The item this one is a redacted copy of, if it is one.
    pub fn original(&self) -> Option<u32> {
        self.item.redaction_of.as_ref().map(|r| r.original)
    }
}

/// Whether `s` is a SHA-256 as the log writes it: 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks what an `AddEvidence` command says about its file.
pub fn check(sha256: &str, filename: &str, media_type: &str, size: u64) -> Result<(), Violation> {
    if !is_sha256(sha256) {
        return Err(Violation::invalid(
            "sha256",
            "a file's hash is 64 lowercase hexadecimal digits (SHA-256)",
        ));
    }
    check_filename(filename)?;
    let plausible_type = media_type.len() <= 100
        && media_type.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && media_type
                    .bytes()
                    .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\')
        });
    if !plausible_type {
        return Err(Violation::invalid(
            "media_type",
            "a media type is written type/subtype, such as application/pdf",
        ));
    }
    if size == 0 {
        return Err(Violation::invalid("size", "the file is empty"));
    }
    Ok(())
}

/// A filename is shown on pages and put in a download's header: no paths, no control
/// characters (which could split a header or hide part of a name), and a sane length.
pub fn check_filename(filename: &str) -> Result<(), Violation> {
    if filename.trim().is_empty() {
        return Err(Violation::invalid("filename", "the file needs a name"));
    }
    if filename.chars().count() > MAX_FILENAME_CHARS {
        return Err(Violation::invalid(
            "filename",
            format!("a filename has at most {MAX_FILENAME_CHARS} characters"),
        ));
    }
    if filename.contains(['/', '\\']) {
        return Err(Violation::invalid(
            "filename",
            "a filename may not contain / or \\",
        ));
    }
    if filename.chars().any(char::is_control) {
        return Err(Violation::invalid(
            "filename",
            "a filename may not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn a_plain_file_passes_and_each_fault_is_named() {
        assert!(check(HASH, "letter.pdf", "application/pdf", 10).is_ok());
        let field = |r: Result<(), Violation>| r.expect_err("refused").message;
        assert!(field(check(&HASH.to_uppercase(), "a", "text/plain", 1)).starts_with("sha256"));
        assert!(field(check(&HASH[1..], "a", "text/plain", 1)).starts_with("sha256"));
        for bad in ["", "  ", "../etc/passwd", "a\\b", "a\nb", &"x".repeat(201)] {
            assert!(
                field(check(HASH, bad, "text/plain", 1)).starts_with("filename"),
                "{bad:?}"
            );
        }
        assert!(check(HASH, &"é".repeat(200), "text/plain", 1).is_ok());
        assert!(field(check(HASH, "a", "pdf", 1)).starts_with("media_type"));
        assert!(field(check(HASH, "a", "text/plain", 0)).starts_with("size"));
    }
}
