//! Evidence files: checked and hashed on arrival, stored in the database under their hash
//! (never on a path a web server could serve), recorded in the log through the gate, and
//! handed out only through the gate again, re-hashed against the log each time.
//!
//! This is the plain version: whole files in memory, stored as they came. Issue 8 adds
//! encryption at rest, streaming and disclosure on top of the same hash-named blobs.

use crate::access::Target;
use crate::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::case::Case;
use docket_domain::command::{Complainant, Party};
use docket_domain::evidence::{EvidenceItem, MAX_FILENAME_CHARS};
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::policy::Action;
use docket_domain::role::Principal;
use docket_domain::rule::{Rule, Violation};
use docket_domain::store::Append;
use docket_domain::view::CasePart;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// The largest evidence file accepted, unless the server is started with another
/// (`docket serve --evidence-limit-mib`, or `Docket::with_evidence_limit`). Files are held in
/// memory whole until issue 8 streams them, so this also bounds what one upload costs.
pub const DEFAULT_EVIDENCE_LIMIT: usize = 10 * 1024 * 1024;

/// What is accepted, as the refusal of anything else says it.
pub const ACCEPTED: &str =
    "PDF documents, PNG, JPEG, GIF or WebP images, and plain text (UTF-8) files";

/// The media type the content shows, or None for anything not accepted. The uploader's own
/// claim (the browser's Content-Type, the file's extension) is never asked: it is whatever
/// the uploader says, and a file served with a type it does not have is how stored files
/// turn into attacks on the people who open them.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Some("text/plain")
    } else {
        None
    }
}

/// Lowercase hex SHA-256, as the log writes it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// The name to keep for an uploaded file: its last path component (some browsers send the
/// whole path), control characters dropped, at most the domain's length, and a plain name
/// when nothing usable is left. It is only ever shown and quoted, never used as a path.
pub fn sanitise_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILENAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        String::from("evidence")
    } else {
        trimmed.to_string()
    }
}

/// A file that came with a complaint at intake, checked (`Docket::intake_file`) but not yet
/// stored: it is stored only with the complaint it came with.
#[derive(Debug, Clone)]
pub struct IntakeFile {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub sha256: String,
}

impl IntakeFile {
    fn command(&self) -> Command {
        Command::AddEvidence {
            sha256: self.sha256.clone(),
            filename: self.filename.clone(),
            media_type: self.media_type.to_string(),
            size: self.bytes.len() as u64,
        }
    }
}

/// The name a refusal of undisclosed evidence is recorded under, as a policy's would be.
pub const NOT_DISCLOSED: &str = "parties-see-only-disclosed-evidence";

/// Which party to `case` `who` is, if either: the respondent by membership number, the
/// complainant by membership number or by the case's receipt.
pub fn party_of(who: &Principal, case: &Case) -> Option<Party> {
    if who.receipt_for.as_ref() == Some(&case.id) {
        return Some(Party::Complainant);
    }
    let member = who.member.as_ref()?;
    if *member == case.respondent.member {
        return Some(Party::Respondent);
    }
    match &case.complainant {
        Complainant::Member { number, .. } if number == member => Some(Party::Complainant),
        _ => None,
    }
}

fn refuse(rule: Rule, message: String) -> ServiceError {
    ServiceError::Rule(Violation::new(rule, message))
}

/// A size as people read it: "512 bytes", "1.5 KiB", "10 MiB".
pub fn human_size(n: u64) -> String {
    let (value, unit) = match n {
        n if n < 1024 => return format!("{n} bytes"),
        n if n < 1024 * 1024 => (n as f64 / 1024.0, "KiB"),
        n => (n as f64 / (1024.0 * 1024.0), "MiB"),
    };
    let shown = format!("{value:.1}");
    format!("{} {unit}", shown.trim_end_matches(".0"))
}

impl Docket {
    pub fn with_evidence_limit(mut self, bytes: usize) -> Docket {
        self.evidence_limit = bytes;
        self
    }

    /// Checks a file against the limit and the accepted types; returns its media type.
    pub fn check_evidence_file(&self, bytes: &[u8]) -> Result<&'static str, ServiceError> {
        if bytes.is_empty() {
            return Err(refuse(
                Rule::InvalidInput,
                "the file is empty; choose the file again".into(),
            ));
        }
        if bytes.len() > self.evidence_limit {
            return Err(refuse(
                Rule::FileTooLarge,
                format!(
                    "the file is {}, over the limit of {} for one evidence file",
                    human_size(bytes.len() as u64),
                    human_size(self.evidence_limit as u64)
                ),
            ));
        }
        sniff(bytes).ok_or_else(|| {
            refuse(
                Rule::FileTypeNotAccepted,
                format!("this kind of file is not accepted as evidence; accepted are {ACCEPTED}"),
            )
        })
    }

    /// Checks a file and names it as it will be kept: the limit and the type first, so a
    /// refused file is never hashed or held.
    pub fn intake_file(&self, filename: &str, bytes: Vec<u8>) -> Result<IntakeFile, ServiceError> {
        let media_type = self.check_evidence_file(&bytes)?;
        Ok(IntakeFile {
            filename: sanitise_filename(filename),
            sha256: sha256_hex(&bytes),
            media_type,
            bytes,
        })
    }

    /// Decides a complaint and the files that came with it as one append (the complaint's
    /// event, then one `EvidenceAdded` per file), and stores the files. The caller appends:
    /// the complaint and its evidence land in one transaction, or none of it does.
    pub async fn prepare_intake(
        &self,
        complaint: &Command,
        files: &[IntakeFile],
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(Case, Append), ServiceError> {
        let (mut case, mut append) = self.prepare(None, complaint, actor, now)?;
        for file in files {
            let (next, more) = self.prepare(Some(&case), &file.command(), actor, now)?;
            append.events.extend(more.events);
            append.read_model = more.read_model;
            case = next;
        }
        for file in files {
            self.store.put_blob(&file.sha256, &file.bytes).await?;
        }
        self.queue_notices(&case, &mut append).await?;
        Ok((case, append))
    }

    /// Adds a file to a case as `who`: checked, hashed, stored, then recorded through the
    /// gate. The command is judged before the file is stored, so a refused upload (a closed
    /// case, a file already on it, someone the policy refuses) leaves nothing behind.
    pub async fn add_evidence(
        &self,
        case_id: &CaseId,
        filename: &str,
        bytes: &[u8],
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        let cmd = self.intake_file(filename, bytes.to_vec())?.command();
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        // The file is stored only for a command that will pass; any other goes to the gate
        // and the process rules without it, which refuse it as they would anyway and record
        // what they record (a refusal, an officeholder's request).
        let will_pass = self.may(who, Target::Case(&case), &[Action::AddEvidence])[0]
            && self.prepare(Some(&case), &cmd, &who.person, now).is_ok();
        if will_pass && let Command::AddEvidence { sha256, .. } = &cmd {
            self.store.put_blob(sha256, bytes).await?;
        }
        let case = self.execute_as(case_id, cmd, who, now).await?;
        let item = case
            .evidence
            .last()
            .map(|e| e.item.clone())
            .ok_or_else(|| ServiceError::Corrupt("evidence added but not on the case".into()))?;
        Ok((case, item))
    }

    /// An `AddEvidence` command names a file already stored, with the type and size the
    /// stored bytes have: a command sent without an upload (through the API) cannot put a
    /// hash in the log that no file backs, nor relabel a stored file's type.
    pub(crate) async fn check_evidence_stored(&self, cmd: &Command) -> Result<(), ServiceError> {
        let Command::AddEvidence {
            sha256,
            media_type,
            size,
            ..
        } = cmd
        else {
            return Ok(());
        };
        let stored = if docket_domain::evidence::is_sha256(sha256) {
            self.store.blob(sha256).await?
        } else {
            None
        };
        let Some(bytes) = stored else {
            return Err(refuse(
                Rule::EvidenceNotUploaded,
                "no file with this SHA-256 has been uploaded; evidence is added by uploading the file".into(),
            ));
        };
        if sniff(&bytes) != Some(media_type.as_str()) || bytes.len() as u64 != *size {
            return Err(Violation::invalid(
                "media_type",
                "the media type and size must be those of the stored file",
            )
            .into());
        }
        Ok(())
    }

    /// Opens evidence item `number` as `who`, through the gate (the view or refusal is
    /// recorded), and hands out the bytes only if they still hash to what the log recorded.
    pub async fn open_evidence(
        &self,
        case_id: &CaseId,
        number: u32,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(EvidenceItem, Vec<u8>), ServiceError> {
        let case = self
            .open_case(case_id, who, CasePart::Evidence, now)
            .await?;
        let Some(item) = case
            .evidence
            .iter()
            .map(|e| &e.item)
            .find(|i| i.number == number)
            .cloned()
        else {
            return Err(ServiceError::NoEvidence {
                case: case_id.clone(),
                number,
            });
        };
        self.served(case_id, item).await
    }

    /// Opens evidence item `number` for a party to the case, through the gate as their own
    /// part of it (the allegations for the respondent, the complaint for the complainant),
    /// and only if the item has been disclosed to them. An item not disclosed, or not there,
    /// is refused alike (a party does not learn what else the case holds), and the refusal
    /// is recorded as any other. Someone who is not a party goes the staff way.
    pub async fn open_disclosed_evidence(
        &self,
        case_id: &CaseId,
        number: u32,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(EvidenceItem, Vec<u8>), ServiceError> {
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        let Some(party) = party_of(who, &case) else {
            return self.open_evidence(case_id, number, who, now).await;
        };
        let part = match party {
            Party::Respondent => CasePart::Allegations,
            Party::Complainant => CasePart::Complaint,
        };
        let action = crate::access::read_action(part);
        self.authorize(who, action, Target::Case(&case), now)
            .await?;
        let item = case
            .evidence
            .iter()
            .find(|e| e.item.number == number && e.disclosed_to(party))
            .map(|e| e.item.clone());
        let Some(item) = item else {
            let why = format!(
                "evidence item {number} has not been disclosed to you: a party sees the evidence a case officer has disclosed to them, and no other"
            );
            return Err(self
                .refuse_recorded(who, action, &case, NOT_DISCLOSED, why, now)
                .await);
        };
        self.record_view(case_id, &who.person, CasePart::Evidence, now)
            .await?;
        self.served(case_id, item).await
    }

    /// The bytes of `item`, only if they still hash to what the log recorded.
    async fn served(
        &self,
        case_id: &CaseId,
        item: EvidenceItem,
    ) -> Result<(EvidenceItem, Vec<u8>), ServiceError> {
        let number = item.number;
        let bytes = self.store.blob(&item.sha256).await?;
        let found = bytes.as_deref().map(sha256_hex);
        match (bytes, found) {
            (Some(bytes), Some(h)) if h == item.sha256 => Ok((item, bytes)),
            (stored, _) => {
                tracing::error!(
                    case = %case_id,
                    evidence = number,
                    missing = stored.is_none(),
                    "an evidence file does not match the hash in the log"
                );
                Err(ServiceError::Tampered(format!(
                    "evidence item {number} on case {case_id}: the stored file {} the SHA-256 recorded in the log when it arrived ({}), so it is not served; the file has been altered, replaced or removed since",
                    if stored.is_none() {
                        "is missing, so cannot match"
                    } else {
                        "does not match"
                    },
                    item.sha256
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff("Witness statement — é".as_bytes()),
            Some("text/plain")
        );
        assert_eq!(sniff(b"MZ\x90\0\x03"), None);
        assert_eq!(sniff(b"text with a \0 NUL"), None);
        assert_eq!(sniff(b"\xc3\x28 invalid utf-8"), None);
        // A name saying PDF changes nothing: only the bytes are asked.
        assert_eq!(sniff(b"<html><script>"), Some("text/plain"));
    }

    #[test]
    fn filenames_keep_their_last_component_and_no_control_characters() {
        assert_eq!(
            sanitise_filename("C:\\Users\\ann\\letter.pdf"),
            "letter.pdf"
        );
        assert_eq!(sanitise_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_filename("a\r\nb.txt"), "ab.txt");
        assert_eq!(sanitise_filename("  "), "evidence");
        assert_eq!(human_size(10 * 1024 * 1024), "10 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(7), "7 bytes");
        assert_eq!(sanitise_filename("dir/.."), "evidence");
        assert_eq!(
            sanitise_filename(&"x".repeat(300)).len(),
            MAX_FILENAME_CHARS
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
