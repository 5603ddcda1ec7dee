//! Evidence files: read as they arrive (`upload`), hashed and sealed under their case's
//! key (`vault`, `keys`) into the store (never on a path a web server could serve),
//! recorded in the log through the gate, and handed out only through the gate again,
//! opened and re-hashed against the log as they go (`contents`).

pub mod cli;
pub mod contents;
pub mod hygiene;
pub mod keys;
pub mod listing;
pub mod redact;
pub mod upload;
pub mod vault;

use crate::access::Target;
use crate::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::case::Case;
use docket_domain::command::{Complainant, Party};
use docket_domain::evidence::MAX_FILENAME_CHARS;
use docket_domain::evidence::PartyCopy;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::role::Principal;
use docket_domain::rule::{Rule, Violation};
use docket_domain::store::Append;
use docket_domain::view::CasePart;
use jiff::Timestamp;

/// The largest evidence file accepted, unless the server is started with another
/// (`docket serve --evidence-limit-mib`, or `Docket::with_evidence_limit`). Files are read
/// as they arrive, never held whole, so this is a policy, not a memory bound.
pub const DEFAULT_EVIDENCE_LIMIT: usize = 256 * 1024 * 1024;

/// The largest file a complaint may bring at intake (see `Docket::intake_file_limit`).
pub const INTAKE_FILE_LIMIT: usize = 10 * 1024 * 1024;

/// The largest file of a type that is cleaned of metadata for parties (images, PDFs, MP3s)
/// that is cleaned: it is opened whole in memory to be cleaned. Anything larger is cleaned
/// by hand and added as a redaction.
pub const CLEANED_UP_TO: u64 = 64 * 1024 * 1024;

/// The most evidence one case may hold, all files together, unless the server is started
/// with another (`docket serve --evidence-case-limit-mib`).
pub const DEFAULT_CASE_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// What is accepted, as the refusal of anything else says it.
pub const ACCEPTED: &str = "PDF documents, PNG, JPEG, GIF or WebP images, MP4, QuickTime or WebM video, MP3 or WAV audio, and plain text (UTF-8) files";

/// The binary type the first bytes of a file show, if any accepted one.
fn sniff_head(head: &[u8]) -> Option<&'static str> {
    let riff = |form: &[u8]| head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == form;
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if riff(b"WEBP") {
        Some("image/webp")
    } else if riff(b"WAVE") {
        Some("audio/wav")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some(if &head[8..12] == b"qt  " {
            "video/quicktime"
        } else {
            "video/mp4"
        })
    } else if head.starts_with(b"\x1a\x45\xdf\xa3") {
        Some("video/webm")
    } else if head.starts_with(b"ID3") || head.starts_with(b"\xff\xfb") {
        Some("audio/mpeg")
    } else {
        None
    }
}

/// Bytes of a file's start that decide its binary type.
const HEAD: usize = 12;

/// A file's type, told from its content as it arrives: the binary types by their first
/// bytes; plain text by every byte being UTF-8 and none NUL, checked piece by piece with a
/// character split between pieces carried over.
#[derive(Debug, Default)]
pub struct Kind {
    head: Vec<u8>,
    /// Still possibly text: no NUL and no invalid UTF-8 so far.
    text: bool,
    started: bool,
    /// The start of a character cut off at the end of the last piece.
    carry: Vec<u8>,
}

impl Kind {
    pub fn see(&mut self, bytes: &[u8]) {
        if !self.started {
            self.started = true;
            self.text = true;
        }
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        if !self.text {
            return;
        }
        if bytes.contains(&0) {
            self.text = false;
            return;
        }
        let joined;
        let piece = if self.carry.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), bytes].concat();
            &joined
        };
        match std::str::from_utf8(piece) {
            Ok(_) => {}
            // Cut off mid-character at the end: the rest may come with the next piece.
            Err(e) if e.error_len().is_none() => {
                self.carry = piece[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.text = false,
        }
    }

    /// Whether the file is already known to be of no accepted type.
    pub fn refused(&self) -> bool {
        self.head.len() >= HEAD && !self.text && sniff_head(&self.head).is_none()
    }

    /// The file's type once it has all arrived, if accepted.
    pub fn finish(&self) -> Option<&'static str> {
        sniff_head(&self.head).or((self.text && self.carry.is_empty()).then_some("text/plain"))
    }
}

/// The media type the content shows, or None for anything not accepted. The uploader's own
/// claim (the browser's Content-Type, the file's extension) is never asked: it is whatever
/// the uploader says, and a file served with a type it does not have is how stored files
/// turn into attacks on the people who open them.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let mut kind = Kind::default();
    kind.see(bytes);
    kind.finish()
}

pub use crate::hex::sha256 as sha256_hex;

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
            redaction_of: None,
        }
    }
}

/// What an upload form or request says about the file being a redacted copy: the item it
/// was made from and the reasons, both or neither.
pub fn redaction_from(
    original: Option<u32>,
    reasons: Option<&str>,
) -> Result<Option<docket_domain::evidence::Redaction>, ServiceError> {
    let reasons = reasons.filter(|r| !r.trim().is_empty());
    match (original, reasons) {
        (None, None) => Ok(None),
        (Some(original), Some(reasons)) => Ok(Some(docket_domain::evidence::Redaction {
            original,
            reasons: docket_domain::ids::Text::parse(reasons)
                .map_err(|why| Violation::invalid("reasons", why))?,
        })),
        (Some(_), None) => Err(Violation::invalid(
            "reasons",
            "say what was taken out of the copy and why: a redaction is recorded with its reasons",
        )
        .into()),
        (None, Some(_)) => Err(Violation::invalid(
            "redacts",
            "name the item this file is a redacted copy of, or leave the reasons empty",
        )
        .into()),
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

    pub fn with_evidence_case_limit(mut self, bytes: u64) -> Docket {
        self.evidence_case_limit = bytes;
        self
    }

    /// The largest file a complaint may bring at intake. Intake holds its files in memory
    /// until the complaint is sent (the form may be shown again with them kept), so this is
    /// the evidence limit capped at `INTAKE_FILE_LIMIT`.
    pub fn intake_file_limit(&self) -> usize {
        self.evidence_limit.min(INTAKE_FILE_LIMIT)
    }

    /// Checks a file brought at intake against its limit and the accepted types; returns
    /// its media type.
    pub fn check_evidence_file(&self, bytes: &[u8]) -> Result<&'static str, ServiceError> {
        if bytes.is_empty() {
            return Err(refuse(
                Rule::InvalidInput,
                "the file is empty; choose the file again".into(),
            ));
        }
        if bytes.len() > self.intake_file_limit() {
            return Err(refuse(
                Rule::FileTooLarge,
                format!(
                    "the file is {}, over the limit of {} for one evidence file",
                    human_size(bytes.len() as u64),
                    human_size(self.intake_file_limit() as u64)
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
    /// event, then one `EvidenceAdded` per file), and seals the files under the new case's
    /// key. The caller appends: the complaint and its evidence land in one transaction, or
    /// none of it does (the sealed files are then named by no event, and open for nobody).
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
            self.seal_whole(&case.id, &file.bytes, file.media_type, &file.sha256)
                .await?;
        }
        self.queue_notices(&case, &mut append).await?;
        Ok((case, append))
    }

    /// An `AddEvidence` command names a file already stored for its case, with the type and
    /// size it was stored with: a command sent without an upload (through the API) cannot
    /// put a hash in the log that no file backs, nor relabel a stored file's type.
    pub(crate) async fn check_evidence_stored(
        &self,
        case: Option<&CaseId>,
        cmd: &Command,
    ) -> Result<(), ServiceError> {
        let Command::AddEvidence {
            sha256,
            media_type,
            size,
            ..
        } = cmd
        else {
            return Ok(());
        };
        let stored = match case {
            Some(case) if docket_domain::evidence::is_sha256(sha256) => {
                self.store.sealed_file(case, sha256).await?
            }
            _ => None,
        };
        let Some(file) = stored else {
            return Err(refuse(
                Rule::EvidenceNotUploaded,
                "no file with this SHA-256 has been uploaded to this case; evidence is added by uploading the file".into(),
            ));
        };
        if file.media_type != *media_type || file.size != *size {
            return Err(Violation::invalid(
                "media_type",
                "the media type and size must be those of the stored file",
            )
            .into());
        }
        Ok(())
    }

    /// Opens evidence item `number` as `who`, through the gate (the view or refusal is
    /// recorded), ready to hand out only what still hashes to what the log recorded.
    pub async fn open_evidence(
        &self,
        case_id: &CaseId,
        number: u32,
        who: &Principal,
        now: Timestamp,
    ) -> Result<contents::Contents, ServiceError> {
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
        self.contents(case_id, item).await
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
    ) -> Result<contents::Contents, ServiceError> {
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
            .find(|e| e.item.number == number && e.disclosed_to(party));
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
        self.contents(case_id, item.item.clone())
            .await?
            .for_party(item.copy_for(party))
            .await
    }

    /// A disclosure with the copy the party will get worked out: the file with its
    /// identifying metadata taken out, whose hash the disclosure records. Anything else
    /// passes as it is (the process rules judge it next).
    pub(crate) async fn with_party_copy(
        &self,
        case: Option<&Case>,
        cmd: Command,
    ) -> Result<Command, ServiceError> {
        let Command::DiscloseEvidence {
            item,
            to,
            reasons,
            copy: _,
        } = cmd
        else {
            return Ok(cmd);
        };
        let found = case.and_then(|c| c.evidence.iter().find(|e| e.item.number == item));
        let copy = match (case, found) {
            (Some(case), Some(e)) if hygiene::cleans(&e.item.media_type) => {
                if e.item.size > CLEANED_UP_TO {
                    return Err(refuse(
                        Rule::MetadataNotRemovable,
                        format!(
                            "evidence item {item} ({}) is {}: files of its type have identifying metadata taken out before a party gets them, which is done for files up to {}; add a cleaned copy as a redaction of item {item} and disclose that",
                            e.item.filename,
                            human_size(e.item.size),
                            human_size(CLEANED_UP_TO)
                        ),
                    ));
                }
                let contents = self.contents(&case.id, e.item.clone()).await?;
                contents.cleaned().await?.map(|(bytes, removed)| PartyCopy {
                    sha256: sha256_hex(&bytes),
                    size: bytes.len() as u64,
                    removed: removed.into_iter().map(String::from).collect(),
                })
            }
            _ => None,
        };
        Ok(Command::DiscloseEvidence {
            item,
            to,
            reasons,
            copy,
        })
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
